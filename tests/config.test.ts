import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_NODE_ARGS } from "../src/bench/proc.js";
import { ConfigError, ConfigSchema, parseConfig } from "../src/config/index.js";

describe("configuration", () => {
  it("works with no environment at all (a fresh clone)", () => {
    const c = parseConfig({}, "/srv/app");
    expect(c).toMatchObject({ EMBEDDINGS_PROVIDER: "local", PORT: 3000, HOST: "127.0.0.1", llmEnabled: false });
    expect(c.corpusDir).toBe(path.resolve("/srv/app", "corpus"));
  });

  it("fails fast naming the bad variable and what it expects", () => {
    expect(() => parseConfig({ PORT: "eighty", EMBEDDINGS_PROVIDER: "magic" })).toThrow(ConfigError);
    try {
      parseConfig({ PORT: "eighty", EMBEDDINGS_PROVIDER: "magic" });
    } catch (err) {
      const issues = (err as ConfigError).issues.map((i) => i.variable);
      expect(issues).toEqual(expect.arrayContaining(["PORT", "EMBEDDINGS_PROVIDER"]));
      expect((err as Error).message).toMatch(/EMBEDDINGS_PROVIDER: .*local.*transformers.*openai/);
    }
  });

  it("turns the LLM on with a base URL alone (Ollama, vLLM) and treats empty values as unset", () => {
    expect(parseConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }).llmEnabled).toBe(true);
    expect(parseConfig({ OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }).llmEnabled).toBe(false);
    expect(() => parseConfig({ OPENAI_BASE_URL: "not a url" })).toThrow(/OPENAI_BASE_URL/);
  });

  it("never trusts every proxy hop: true means one hop", () => {
    expect(parseConfig({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(1);
    expect(parseConfig({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
    expect(parseConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8" }).TRUST_PROXY).toBe("loopback, 10.0.0.0/8");
    expect(parseConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(false);
    expect(parseConfig({}).TRUST_PROXY).toBeUndefined();
  });

  it("documents every variable in .env.example", () => {
    const example = readFileSync(path.resolve(__dirname, "../.env.example"), "utf8");
    const listed = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(Object.keys(ConfigSchema.shape)));
  });

  it("npm start runs the server with the Node flags the benchmark measures", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, "../package.json"), "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toContain(`node ${SERVER_NODE_ARGS.join(" ")} dist/serve.js`);
  });
});
