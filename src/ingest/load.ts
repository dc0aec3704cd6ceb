import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { cleanDocument } from "./clean.js";
import { documentContext, extractMetadata, type DocumentMetadata } from "./metadata.js";

export interface CorpusDocument {
  /** File stem: "000_8517e75c48583b26". */
  id: string;
  fileName: string;
  /** Cleaned text; every offset in the system refers to it. */
  text: string;
  /** sha256 of the raw file bytes, so any edit to a file triggers a rebuild. */
  contentHash: string;
  metadata: DocumentMetadata;
  /** Header lines (title, site, byline): the context every chunk of the document is indexed with. */
  context: string;
}

export interface SkippedFile {
  fileName: string;
  reason: string;
}

export const SUPPORTED_EXTENSIONS = new Set([".txt", ".md", ".html", ".htm"]);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes bytes as UTF-8 text, or explains why they are not text. */
export function decodeText(bytes: Uint8Array): { text: string } | { reason: string } {
  if (bytes.includes(0)) return { reason: "binary content (NUL bytes)" };
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { reason: "not valid UTF-8 text" };
  }
}

export function hashBytes(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Lists the supported files of a corpus folder, sorted, with their raw hashes. Cheap: no cleaning. */
export async function listCorpusFiles(dir: string): Promise<{ fileName: string; bytes: Buffer; hash: string }[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && SUPPORTED_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  const out: { fileName: string; bytes: Buffer; hash: string }[] = [];
  for (const fileName of files) {
    try {
      const bytes = await fs.readFile(path.join(dir, fileName));
      out.push({ fileName, bytes, hash: hashBytes(bytes) });
    } catch (err) {
      // Unreadable files are reported by loadCorpus; here they hash as missing.
      out.push({ fileName, bytes: Buffer.alloc(0), hash: `unreadable:${(err as NodeJS.ErrnoException).code ?? "error"}` });
    }
  }
  return out;
}

/**
 * Loads, cleans and describes every supported file in `dir`. Files that cannot be read or
 * are not text are skipped and reported, so one bad file never stops the others.
 */
export async function loadCorpus(dir: string): Promise<{ documents: CorpusDocument[]; skipped: SkippedFile[] }> {
  const documents: CorpusDocument[] = [];
  const skipped: SkippedFile[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const supported = entries.filter((e) => SUPPORTED_EXTENSIONS.has(path.extname(e.name).toLowerCase()));
  // A folder or a dangling link named like a document is reported, not silently dropped.
  for (const e of supported.filter((x) => !x.isFile())) {
    const target = await fs.stat(path.join(dir, e.name)).catch(() => null);
    if (!target) skipped.push({ fileName: e.name, reason: "unreadable (broken link)" });
    else if (!target.isFile()) skipped.push({ fileName: e.name, reason: "not a regular file" });
  }
  const files = supported
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
  for (const fileName of files) {
    if (skipped.some((s) => s.fileName === fileName)) continue;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(path.join(dir, fileName));
    } catch (err) {
      skipped.push({ fileName, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})` });
      continue;
    }
    const decoded = decodeText(bytes);
    if ("reason" in decoded) {
      skipped.push({ fileName, reason: decoded.reason });
      continue;
    }
    const ext = path.extname(fileName).toLowerCase();
    const text = cleanDocument(decoded.text, { html: ext === ".html" || ext === ".htm" });
    if (text.trim().length === 0) {
      skipped.push({ fileName, reason: "no text after cleaning" });
      continue;
    }
    documents.push({
      id: path.basename(fileName, path.extname(fileName)),
      fileName,
      text,
      contentHash: hashBytes(bytes),
      metadata: extractMetadata(text),
      context: documentContext(text),
    });
  }
  return { documents, skipped };
}
