import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
// The same seeded PRNG as the bench, so the weights (and hence the test) are reproducible.
import { prng } from "../../src/bench/synthetic.js";

/**
 * Writes a tiny, deterministic BERT-shaped model folder that transformers.js can load offline:
 *   config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx
 *
 * The ONNX file is serialised with a minimal hand-written protobuf encoder (no onnx/protobufjs
 * dependency), so no binary is committed and nothing is downloaded. The graph is:
 *
 *   emb    = Gather(word_embeddings, input_ids) + Gather(token_type_embeddings, token_type_ids)
 *   masked = emb * Unsqueeze(Cast<float>(attention_mask), -1)
 *   last_hidden_state = (masked + ReduceSum(masked, axis=1, keepdims)) * mask
 *
 * The ReduceSum term gives every position (including [CLS]) a view of the whole sentence, so
 * both CLS and mean pooling produce vectors that reflect the words of the text.
 */

export interface TinyModelOptions {
  hiddenSize?: number;
  /** Ordinary words; special tokens are prepended automatically. */
  words?: string[];
  seed?: number;
}

export interface TinyModelInfo {
  dir: string;
  hiddenSize: number;
  vocab: string[];
}

export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

export const DEFAULT_WORDS = [
  "the", "a", "of", "and", "in", "on", "at", "to", "was", "were", "is",
  "drone", "strike", "hit", "military", "base", "near", "border", "attack", "claimed",
  "group", "fighters", "province", "city", "market", "prices", "rose", "sharply", "today",
  "weather", "sunny", "warm", "coffee", "bread", "cheap", "##s", "##ed", "##ing",
];

// ---------------------------------------------------------------------------------------------
// Minimal protobuf writer: only the wire types ONNX needs (varint, length-delimited).

type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  // int64 fields holding negatives (e.g. axis -1) are encoded as 10-byte two's complement.
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const concat = (parts: Bytes[]): Bytes => {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};

const key = (field: number, wireType: 0 | 2): number[] => varint((field << 3) | wireType);

const fInt = (field: number, value: number | bigint): Bytes => Uint8Array.from([...key(field, 0), ...varint(value)]);

const fBytes = (field: number, value: Bytes): Bytes =>
  concat([Uint8Array.from([...key(field, 2), ...varint(value.length)]), value]);

const fString = (field: number, value: string): Bytes => fBytes(field, new TextEncoder().encode(value));

const fMessage = (field: number, parts: Bytes[]): Bytes => fBytes(field, concat(parts));

// ---------------------------------------------------------------------------------------------
// ONNX messages (field numbers from onnx/onnx.proto).

const TensorDataType = { FLOAT: 1, INT64: 7 } as const;
const AttributeType = { INT: 2 } as const;

function tensorProto(name: string, dataType: number, dims: number[], raw: Bytes): Bytes[] {
  return [
    ...dims.map((d) => fInt(1, d)), // dims
    fInt(2, dataType), // data_type
    fString(8, name), // name
    fBytes(9, raw), // raw_data (little-endian)
  ];
}

function floatTensor(name: string, dims: number[], values: Float32Array): Bytes[] {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return tensorProto(name, TensorDataType.FLOAT, dims, raw);
}

function int64Tensor(name: string, values: number[]): Bytes[] {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return tensorProto(name, TensorDataType.INT64, [values.length], raw);
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Bytes[] {
  const shape = dims.map((d) => fMessage(1, [typeof d === "number" ? fInt(1, d) : fString(2, d)]));
  const tensorType = [fInt(1, elemType), fMessage(2, shape)];
  return [fString(1, name), fMessage(2, [fMessage(1, tensorType)])];
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Bytes[][] = []): Bytes[] {
  return [
    ...inputs.map((i) => fString(1, i)),
    ...outputs.map((o) => fString(2, o)),
    fString(3, `${opType}_${outputs[0]}`),
    fString(4, opType),
    ...attrs.map((a) => fMessage(5, a)),
  ];
}

const intAttr = (name: string, value: number): Bytes[] => [fString(1, name), fInt(3, value), fInt(20, AttributeType.INT)];

export function buildTinyBertOnnx(vocabSize: number, hiddenSize: number, seed = 1234): Uint8Array {
  const rand = prng(seed);
  const words = new Float32Array(vocabSize * hiddenSize);
  for (let t = 0; t < vocabSize; t++) {
    // [PAD] stays zero; other special tokens are damped so they do not dominate every sentence.
    const scale = t === 0 ? 0 : t < SPECIAL_TOKENS.length ? 0.1 : 1;
    for (let h = 0; h < hiddenSize; h++) words[t * hiddenSize + h] = scale * (rand() * 2 - 1);
  }
  const types = new Float32Array(2 * hiddenSize);
  for (let i = 0; i < types.length; i++) types[i] = 0.01 * (rand() * 2 - 1);

  const nodes = [
    node("Gather", ["word_embeddings", "input_ids"], ["tok"], [intAttr("axis", 0)]),
    node("Gather", ["token_type_embeddings", "token_type_ids"], ["typ"], [intAttr("axis", 0)]),
    node("Add", ["tok", "typ"], ["emb"]),
    node("Cast", ["attention_mask"], ["mask_f"], [intAttr("to", TensorDataType.FLOAT)]),
    node("Unsqueeze", ["mask_f", "unsqueeze_axes"], ["mask3"]),
    node("Mul", ["emb", "mask3"], ["masked"]),
    node("ReduceSum", ["masked", "reduce_axes"], ["context"], [intAttr("keepdims", 1)]),
    node("Add", ["masked", "context"], ["mixed"]),
    node("Mul", ["mixed", "mask3"], ["last_hidden_state"]),
  ];
  const initializers = [
    floatTensor("word_embeddings", [vocabSize, hiddenSize], words),
    floatTensor("token_type_embeddings", [2, hiddenSize], types),
    int64Tensor("unsqueeze_axes", [-1]),
    int64Tensor("reduce_axes", [1]),
  ];
  const seq = ["batch_size", "sequence_length"];
  const graph = [
    ...nodes.map((n) => fMessage(1, n)),
    fString(2, "tiny_bert"),
    ...initializers.map((t) => fMessage(5, t)),
    fMessage(11, valueInfo("input_ids", TensorDataType.INT64, seq)),
    fMessage(11, valueInfo("attention_mask", TensorDataType.INT64, seq)),
    fMessage(11, valueInfo("token_type_ids", TensorDataType.INT64, seq)),
    fMessage(12, valueInfo("last_hidden_state", TensorDataType.FLOAT, [...seq, hiddenSize])),
  ];
  return concat([
    fInt(1, 8), // ir_version 8 (ONNX 1.10+), well within onnxruntime's supported range
    fString(2, "iskp-rag-tests"), // producer_name
    fMessage(7, graph),
    fMessage(8, [fString(1, ""), fInt(2, 17)]), // opset_import: default domain, opset 17
  ]);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer files (HF tokenizers JSON for an uncased WordPiece BERT tokenizer).

export function buildTokenizerFiles(vocab: string[]): { tokenizer: object; tokenizerConfig: object } {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (token: string) => ({ id: token, type_id: 0 });
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: ids[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: special("[CLS]") }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: special("[SEP]") }],
      pair: [
        { SpecialToken: special("[CLS]") },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: special("[SEP]") },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [ids["[CLS]"]], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [ids["[SEP]"]], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: ids },
  };
  const tokenizerConfig = {
    tokenizer_class: "BertTokenizer",
    do_lower_case: true,
    model_max_length: 128,
    clean_up_tokenization_spaces: true,
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    cls_token: "[CLS]",
    sep_token: "[SEP]",
    mask_token: "[MASK]",
  };
  return { tokenizer, tokenizerConfig };
}

/** Writes the model folder at `dir` (created if missing). */
export async function writeTinyBertModel(dir: string, options: TinyModelOptions = {}): Promise<TinyModelInfo> {
  const hiddenSize = options.hiddenSize ?? 32;
  const vocab = [...SPECIAL_TOKENS, ...(options.words ?? DEFAULT_WORDS)];
  const config = {
    model_type: "bert",
    architectures: ["BertModel"],
    vocab_size: vocab.length,
    hidden_size: hiddenSize,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: hiddenSize * 2,
    hidden_act: "gelu",
    max_position_embeddings: 128,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
  const { tokenizer, tokenizerConfig } = buildTokenizerFiles(vocab);
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  await Promise.all([
    writeFile(path.join(dir, "config.json"), JSON.stringify(config, null, 2)),
    writeFile(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizer, null, 2)),
    writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig, null, 2)),
    writeFile(path.join(dir, "onnx", "model.onnx"), buildTinyBertOnnx(vocab.length, hiddenSize, options.seed)),
  ]);
  return { dir, hiddenSize, vocab };
}
