import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import { cleanPage } from "./clean.js";
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

/** Size and SHA-256 of a file read as a stream: an index file can be larger than is worth holding whole. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** One supported entry of a corpus folder, read once: its bytes or why they could not be read. */
export interface CorpusFile {
  fileName: string;
  /** sha256 of the bytes, or a marker naming the read failure; the manifest records it. */
  hash: string;
  bytes?: Buffer;
  error?: string;
}

/**
 * Lists and reads every supported entry of a corpus folder (files and links to files),
 * sorted. The same bytes feed both the index and the manifest's hashes, so what is indexed
 * is exactly what is checked for changes later.
 */
export async function scanCorpus(dir: string): Promise<CorpusFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => SUPPORTED_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort();
  const out: CorpusFile[] = [];
  for (const fileName of names) {
    const full = path.join(dir, fileName);
    const target = await fs.stat(full).catch(() => null);
    if (!target) {
      out.push({ fileName, hash: "unreadable:broken-link", error: "unreadable (broken link)" });
      continue;
    }
    if (!target.isFile()) {
      out.push({ fileName, hash: "unreadable:not-a-file", error: "not a regular file" });
      continue;
    }
    try {
      const bytes = await fs.readFile(full);
      out.push({ fileName, hash: hashBytes(bytes), bytes });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      out.push({ fileName, hash: `unreadable:${code}`, error: `unreadable (${code})` });
    }
  }
  return out;
}

/**
 * Cleans and describes scanned files. Files that cannot be read, are not text, or would
 * take an id another file already has are skipped and reported, so one bad file never
 * stops the others.
 */
export function loadCorpusFiles(files: CorpusFile[]): { documents: CorpusDocument[]; skipped: SkippedFile[] } {
  const documents: CorpusDocument[] = [];
  const skipped: SkippedFile[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const { fileName } = file;
    if (!file.bytes) {
      skipped.push({ fileName, reason: file.error ?? "unreadable" });
      continue;
    }
    const decoded = decodeText(file.bytes);
    if ("reason" in decoded) {
      skipped.push({ fileName, reason: decoded.reason });
      continue;
    }
    const ext = path.extname(fileName).toLowerCase();
    const id = path.basename(fileName, ext);
    // "report.md" and "report.txt" would share the id "report": citations must name one document.
    if (ids.has(id)) {
      skipped.push({ fileName, reason: `duplicate document id "${id}" (another file has the same name stem)` });
      continue;
    }
    const html = ext === ".html" || ext === ".htm";
    const page = cleanPage(decoded.text, { html });
    const text = page.text;
    if (text.trim().length === 0) {
      skipped.push({ fileName, reason: "no text after cleaning" });
      continue;
    }
    ids.add(id);
    const metadata = extractMetadata(text, { raw: decoded.text, ...page });
    documents.push({
      id,
      fileName,
      text,
      contentHash: file.hash,
      metadata,
      context: documentContext(text, metadata.publisher),
    });
  }
  return { documents, skipped };
}

/** Scans and loads a corpus folder. */
export async function loadCorpus(dir: string): Promise<{ documents: CorpusDocument[]; skipped: SkippedFile[] }> {
  return loadCorpusFiles(await scanCorpus(dir));
}
