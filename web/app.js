// Chat page for the document QA service. Plain ES module, no build step.
// Every piece of text that comes from the server or the user is inserted with
// textContent / text nodes: this file never assigns HTML strings.

const KEY_STORAGE = "iskp-rag.apiKey";
const MAX_HISTORY_TURNS = 10;
const MAX_TURN_CHARS = 8000;

const $ = (selector) => {
  const found = document.querySelector(selector);
  if (!found) throw new Error(`Missing element ${selector}`);
  return found;
};

const els = {
  status: $("#status"),
  statusText: $("#status-text"),
  newConversation: $("#new-conversation"),
  main: $("#main"),
  empty: $("#empty-state"),
  conversation: $("#conversation"),
  composerWrap: $(".composer-wrap"),
  topbar: $(".topbar"),
  composer: $("#composer"),
  question: $("#question"),
  send: $("#send"),
  stop: $("#stop"),
  panel: $("#source-panel"),
  panelKicker: $("#panel-kicker"),
  panelTitle: $("#panel-title"),
  panelMeta: $("#panel-meta"),
  panelBody: $("#panel-body"),
  panelClose: $("#panel-close"),
};

const state = {
  /** @type {{role: "user" | "assistant", content: string}[]} */
  history: [],
  busy: false,
  /** @type {AbortController | null} */
  controller: null,
  /** documentId -> Promise<document> */
  documents: new Map(),
  /** @type {HTMLElement | null} */
  panelOpener: null,
  panelSeq: 0,
  healthTimer: 0,
  uid: 0,
};

/** Citations of every rendered answer, looked up when a chip is activated. */
const citationsByTurn = new WeakMap();
/** The answer views being streamed (chips can be clicked before `done`). */
const streamingViews = new WeakMap();

// ---------------------------------------------------------------------------
// Small DOM helpers

/**
 * Creates an element. `text` is set with textContent; children may be nodes or strings
 * (strings become text nodes). Attributes are set one by one, never parsed as HTML.
 */
function h(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.attrs) for (const [k, v] of Object.entries(options.attrs)) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  if (options.dataset) Object.assign(node.dataset, options.dataset);
  if (options.on) for (const [event, fn] of Object.entries(options.on)) node.addEventListener(event, fn);
  for (const child of children) if (child !== null && child !== undefined) node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

const nextId = (prefix) => `${prefix}-${++state.uid}`;

function isNearBottom() {
  const doc = document.documentElement;
  return doc.scrollHeight - (window.scrollY + window.innerHeight) < 160;
}

function scrollToBottom() {
  window.scrollTo({ top: document.documentElement.scrollHeight });
}

// ---------------------------------------------------------------------------
// Formatting

function sourceName(c) {
  const title = c.title && c.title.trim() ? c.title.trim() : c.documentId;
  // A compilation holds several articles: the heading above the passage says which one.
  const section = c.section && c.section.trim();
  return section && section !== title ? `${title} › ${section}` : title;
}

function formatDate(date) {
  if (!date) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

function metaParts(c) {
  return [c.author, formatDate(c.date)].filter((x) => typeof x === "string" && x.trim() !== "");
}

/** "[1] Title — author, date (documentId)" for the copied Markdown. */
function sourceLine(c) {
  const parts = [c.author, c.date].filter((x) => typeof x === "string" && x.trim() !== "");
  return `[${c.n}] ${sourceName(c)}${parts.length ? ` — ${parts.join(", ")}` : ""} (${c.documentId})`;
}

function answerToMarkdown(answer) {
  const lines = [answer.answer.trim()];
  const list = answer.abstained ? answer.suggestions ?? [] : answer.citations;
  if (list.length) {
    lines.push("", answer.abstained ? "Closest passages:" : "Sources:");
    for (const c of list) lines.push(sourceLine(c));
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Server-sent events: a small incremental parser (events may be split across chunks)

function createSseParser(onEvent) {
  let buffer = "";
  let eventName = "";
  let data = [];

  const dispatch = () => {
    if (data.length) onEvent({ event: eventName || "message", data: data.join("\n") });
    eventName = "";
    data = [];
  };

  const processLine = (line) => {
    if (line === "") return dispatch();
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") data.push(value);
    // "id" and "retry" are not used by this client.
  };

  return {
    push(chunk) {
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer.charCodeAt(i);
        if (ch !== 10 && ch !== 13) continue;
        // A CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (ch === 13 && i === buffer.length - 1) break;
        processLine(buffer.slice(start, i));
        if (ch === 13 && buffer.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    /** End of stream: a trailing event without its blank line is discarded, as the spec says. */
    end() {
      buffer = "";
      eventName = "";
      data = [];
    },
  };
}

// ---------------------------------------------------------------------------
// Answer rendering: paragraphs, "- " bullet lists, **bold**, and [n] citation chips

const INLINE = /\[(\d+(?:\s*[,;]\s*\d+)*)\]|\*\*([^*\n]+)\*\*/g;

function makeChip(citation) {
  return h("button", {
    className: "chip",
    text: String(citation.n),
    attrs: { type: "button", "aria-label": `Source ${citation.n}: ${sourceName(citation)}` },
    dataset: { n: String(citation.n) },
  });
}

function appendInline(parent, text, citations) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const before = text.slice(last, match.index);
    const numbers = match[1] !== undefined ? match[1].split(/[,;]/).map((s) => Number(s.trim())) : [];
    const found = numbers.map((n) => citations.find((c) => c.n === n));
    if (match[1] !== undefined && found.every(Boolean)) {
      // Keep the chip on the same line as the word it follows.
      const word = /\S+\s*$/.exec(before);
      const tail = word && word[0].length <= 28 ? word : null; // long words (URLs) may still wrap
      const lead = tail ? before.slice(0, tail.index) : before;
      if (lead) parent.append(document.createTextNode(lead));
      const group = h("span", { className: "chips" }, tail ? [tail[0]] : []);
      for (const c of found) group.append(makeChip(c));
      parent.append(group);
    } else if (match[1] !== undefined) {
      parent.append(document.createTextNode(before + match[0]));
    } else {
      if (before) parent.append(document.createTextNode(before));
      parent.append(h("strong", { text: match[2] }));
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

function renderRichText(container, text, citations) {
  container.replaceChildren();
  const blocks = text.replace(/\r\n?/g, "\n").split(/\n[ \t]*\n/);
  for (const block of blocks) {
    let paragraph = null;
    let list = null;
    for (const line of block.split("\n")) {
      if (line.trim() === "") continue;
      const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      const numbered = bullet ? null : /^\s*(\d{1,2})[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        const tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = h(tag);
          if (numbered && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
          container.append(list);
        }
        paragraph = null;
        const li = h("li");
        appendInline(li, bullet ? bullet[1] : numbered[2], citations);
        list.append(li);
      } else if (list && /^\s+/.test(line) && list.lastElementChild) {
        // Indented continuation of the previous list item.
        list.lastElementChild.append(document.createTextNode(" "));
        appendInline(list.lastElementChild, line.trim(), citations);
      } else {
        list = null;
        if (paragraph) paragraph.append(document.createTextNode(" "));
        else {
          paragraph = h("p");
          container.append(paragraph);
        }
        appendInline(paragraph, line.trim(), citations);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Conversation turns

function hideEmptyState() {
  els.empty.hidden = true;
}

function appendUserTurn(question) {
  const turn = h("div", { className: "turn user" }, [
    h("p", { className: "visually-hidden", text: "You asked:" }),
    h("p", { className: "user-text", text: question }),
  ]);
  els.conversation.append(turn);
  return turn;
}

function createAnswerView() {
  const body = h("div", { className: "answer-body" });
  const pending = h("p", { className: "answer-pending", text: "Searching the documents" });
  const article = h("article", {
    className: "turn answer streaming",
    attrs: { "aria-busy": "true", "aria-label": "Answer" },
    dataset: { tokens: "0" },
  }, [body, pending]);
  els.conversation.append(article);
  const view = { article, body, pending, text: "", citations: [], tokens: 0 };
  streamingViews.set(article, view);
  return view;
}

function makeSourceItem(citation, className) {
  const meta = metaParts(citation);
  const button = h("button", {
    className: "source-link",
    attrs: { type: "button", "aria-label": `Open source ${citation.n}: ${sourceName(citation)}` },
    dataset: { n: String(citation.n) },
  }, [
    h("span", { className: "source-n", text: String(citation.n), attrs: { "aria-hidden": "true" } }),
    h("span", { className: "source-text" }, [
      h("span", { className: "source-title", text: sourceName(citation) }),
      meta.length ? h("span", { className: "source-meta", text: meta.join(" · ") }) : null,
    ]),
  ]);
  return h("li", { className }, [button]);
}

function snippet(text, max = 220) {
  const clean = text.replace(/\s+/g, " ").trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 30))}…`;
}

function copyButton(answer) {
  const button = h("button", { className: "btn btn-small btn-ghost copy", text: "Copy", attrs: { type: "button", "aria-label": "Copy answer as Markdown" } });
  button.addEventListener("click", async () => {
    const ok = await copyText(answerToMarkdown(answer));
    button.textContent = ok ? "Copied" : "Copy failed";
    button.classList.toggle("copied", ok);
    clearTimeout(Number(button.dataset.timer));
    button.dataset.timer = String(setTimeout(() => {
      button.textContent = "Copy";
      button.classList.remove("copied");
    }, 2000));
  });
  return button;
}

async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.top = "-1000px";
  area.style.opacity = "0";
  document.body.append(area);
  const active = document.activeElement;
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  if (active instanceof HTMLElement) active.focus();
  return ok;
}

function finishAnswerView(view, answer, question) {
  const { article, body } = view;
  view.pending.remove();
  article.classList.remove("streaming");
  article.removeAttribute("aria-busy");
  article.classList.toggle("abstained", answer.abstained);

  const listed = answer.abstained ? answer.suggestions ?? [] : answer.citations;
  citationsByTurn.set(article, listed);

  if (answer.abstained) {
    article.setAttribute("aria-label", "Answer: not in the documents");
    article.prepend(h("p", { className: "answer-label", text: "Not in the documents" }));
    renderRichText(body, answer.answer, []);
  } else {
    renderRichText(body, answer.answer, answer.citations);
  }

  if (answer.abstained && listed.length) {
    const headingId = nextId("closest");
    const list = h("ol", { className: "suggestion-list" });
    for (const c of listed) {
      const meta = metaParts(c);
      list.append(h("li", { className: "suggestion" }, [
        makeChip(c),
        h("div", { className: "suggestion-text" }, [
          h("p", { className: "suggestion-title" }, [
            h("span", { className: "source-title", text: sourceName(c) }),
            meta.length ? h("span", { className: "source-meta", text: ` · ${meta.join(" · ")}` }) : null,
          ]),
          h("p", { className: "suggestion-snippet", text: snippet(c.text) }),
        ]),
      ]));
    }
    article.append(h("section", { className: "suggestions", attrs: { "aria-labelledby": headingId } }, [
      h("h3", { className: "section-title", text: "Closest passages", attrs: { id: headingId } }),
      list,
    ]));
  } else if (!answer.abstained && answer.citations.length) {
    const headingId = nextId("sources");
    const list = h("ol", { className: "source-list" });
    for (const c of answer.citations) list.append(makeSourceItem(c, "source"));
    article.append(h("section", { className: "sources", attrs: { "aria-labelledby": headingId } }, [
      h("h3", { className: "section-title", text: "Sources", attrs: { id: headingId } }),
      list,
    ]));
  }

  if (answer.warnings && answer.warnings.length) {
    article.append(h("ul", { className: "warnings", attrs: { "aria-label": "Warnings" } }, answer.warnings.map((w) => h("li", { text: w }))));
  }

  const facts = [];
  if (answer.mode) facts.push(answer.mode === "llm" ? "LLM" : "Extractive");
  if (answer.timings && Number.isFinite(answer.timings.totalMs)) facts.push(`${Math.round(answer.timings.totalMs)} ms`);
  const footer = h("div", { className: "answer-footer" }, [
    h("p", { className: "answer-facts" }, [
      facts.join(" · "),
      answer.query && question && answer.query.trim() !== question.trim() ? h("span", { className: "answer-query", text: ` · searched “${answer.query}”` }) : null,
    ]),
    copyButton(answer),
  ]);
  article.append(footer);
}

function appendError({ title, message, retry, keyForm }) {
  const turn = h("div", { className: "turn error", attrs: { role: "alert" } }, [
    h("p", { className: "error-title", text: title }),
    message ? h("p", { className: "error-text", text: message }) : null,
  ]);
  if (keyForm) turn.append(keyForm(turn));
  if (retry) {
    turn.append(h("div", { className: "error-actions" }, [
      h("button", { className: "btn btn-small btn-secondary", text: "Retry", attrs: { type: "button" }, on: { click: () => retry(turn) } }),
    ]));
  }
  els.conversation.append(turn);
  return turn;
}

function apiKeyForm(onSaved, rejected) {
  return (turn) => {
    const inputId = nextId("api-key");
    const input = h("input", { attrs: { id: inputId, type: "password", name: "apiKey", autocomplete: "off", spellcheck: "false", required: true } });
    const form = h("form", { className: "key-form", attrs: { novalidate: true } }, [
      h("label", { text: "API key", attrs: { for: inputId } }),
      h("div", { className: "key-row" }, [input, h("button", { className: "btn btn-primary btn-small", text: "Save and retry", attrs: { type: "submit" } })]),
      h("p", { className: "key-note", text: rejected ? "The saved key was rejected. It is kept only for this tab." : "The key is kept only for this tab (session storage)." }),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) {
        input.focus();
        return;
      }
      try {
        sessionStorage.setItem(KEY_STORAGE, key);
      } catch {
        memoryKey = key;
      }
      onSaved(turn);
    });
    queueMicrotask(() => input.focus());
    return form;
  };
}

// ---------------------------------------------------------------------------
// API access

let memoryKey = "";

function apiKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || memoryKey;
  } catch {
    return memoryKey;
  }
}

function clearApiKey() {
  memoryKey = "";
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // ignore
  }
}

function authHeaders(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function readErrorBody(res) {
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === "string") return body.error;
  } catch {
    // not JSON
  }
  return { code: `http_${res.status}`, message: res.statusText || `The server answered ${res.status}.` };
}

function retryAfterSeconds(res) {
  const raw = res.headers.get("Retry-After");
  if (!raw) return null;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function getDocument(id) {
  let pending = state.documents.get(id);
  if (!pending) {
    pending = (async () => {
      const res = await fetch(`/api/documents/${encodeURIComponent(id)}`, { headers: authHeaders({ Accept: "application/json" }) });
      if (!res.ok) {
        const err = await readErrorBody(res);
        throw new Error(res.status === 401 ? "An API key is required to read documents." : err.message);
      }
      return res.json();
    })();
    state.documents.set(id, pending);
    // A failed fetch is not cached: the next click tries again.
    pending.catch(() => state.documents.delete(id));
  }
  return pending;
}

// ---------------------------------------------------------------------------
// Asking

function setBusy(busy) {
  state.busy = busy;
  els.send.disabled = busy;
  els.stop.hidden = !busy;
  els.composer.classList.toggle("is-busy", busy);
  els.composer.setAttribute("aria-busy", String(busy));
  if (!busy) {
    state.controller = null;
    const active = document.activeElement;
    if (!active || active === document.body || active === els.stop) els.question.focus();
  }
}

function historyForRequest() {
  return state.history.slice(-MAX_HISTORY_TURNS).map((t) => ({ role: t.role, content: t.content.slice(0, MAX_TURN_CHARS) }));
}

/**
 * Sends one question and streams its answer into the conversation.
 * `userTurn` is reused when retrying, so the question is not shown twice.
 */
async function ask(question, userTurn) {
  if (state.busy) return;
  question = question.trim();
  if (!question) return;
  hideEmptyState();

  let userEl = userTurn;
  if (!userEl || userEl !== els.conversation.lastElementChild) userEl = appendUserTurn(question);
  const view = createAnswerView();
  scrollToBottom();

  const controller = new AbortController();
  state.controller = controller;
  setBusy(true);

  const retry = (errorTurn) => {
    errorTurn.remove();
    void ask(question, userEl);
  };

  const stopped = () => {
    view.pending.remove();
    view.article.classList.remove("streaming");
    view.article.removeAttribute("aria-busy");
    if (view.text) {
      view.article.classList.add("stopped");
      view.article.append(h("p", { className: "answer-note", text: "Stopped — the answer is incomplete." }));
    } else {
      view.article.remove();
      els.conversation.append(h("p", { className: "turn note", text: "Stopped." }));
    }
  };

  const discardView = () => {
    if (view.text) {
      view.pending.remove();
      view.article.classList.remove("streaming");
      view.article.removeAttribute("aria-busy");
      view.article.classList.add("failed");
    } else {
      view.article.remove();
    }
  };

  let res;
  try {
    res = await fetch("/api/ask/stream", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify({ question, history: historyForRequest() }),
      signal: controller.signal,
    });
  } catch (err) {
    if (controller.signal.aborted) stopped();
    else {
      discardView();
      appendError({ title: "Cannot reach the server", message: "Check that the service is running, then retry.", retry });
    }
    setBusy(false);
    return;
  }

  if (!res.ok) {
    const error = await readErrorBody(res);
    discardView();
    if (res.status === 401) {
      const hadKey = Boolean(apiKey());
      if (hadKey) clearApiKey();
      appendError({
        title: "API key required",
        message: hadKey ? "The server rejected the saved API key. Enter a valid key to continue." : "This server needs an API key to answer questions.",
        keyForm: apiKeyForm((turn) => {
          turn.remove();
          state.documents.clear();
          void ask(question, userEl);
        }, hadKey),
      });
    } else if (res.status === 429) {
      const secs = retryAfterSeconds(res);
      appendError({ title: secs !== null ? `Too many requests — try again in ${secs} s` : "Too many requests — try again shortly", retry });
    } else if (res.status >= 500) {
      appendError({ title: res.status === 503 ? "Not ready yet" : "Server error", message: error.message, retry });
    } else {
      appendError({ title: "The question was not accepted", message: error.message });
    }
    setBusy(false);
    scrollToBottom();
    return;
  }

  let finished = false;
  let dirty = false;
  const parser = createSseParser(({ event, data }) => {
    if (finished) return;
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (event === "sources") {
      view.citations = Array.isArray(payload.citations) ? payload.citations : [];
      dirty = true;
    } else if (event === "token") {
      if (typeof payload.delta === "string") {
        view.text += payload.delta;
        view.tokens += 1;
        view.article.dataset.tokens = String(view.tokens);
        dirty = true;
      }
    } else if (event === "done") {
      finished = true;
      dirty = false;
      finishAnswerView(view, payload, question);
      state.history.push({ role: "user", content: question }, { role: "assistant", content: payload.answer });
    } else if (event === "error") {
      finished = true;
      dirty = false;
      discardView();
      const message = payload && payload.error && payload.error.message ? payload.error.message : "The answer could not be completed.";
      appendError({ title: "The answer failed", message, retry });
    }
  });

  const renderProgress = () => {
    if (!dirty) return;
    dirty = false;
    const follow = isNearBottom();
    if (view.text) {
      view.pending.remove();
      renderRichText(view.body, view.text, view.citations);
    }
    if (follow) scrollToBottom();
  };

  try {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const follow = isNearBottom();
      const wasFinished = finished;
      parser.push(value);
      renderProgress();
      if (finished && !wasFinished && follow) scrollToBottom();
      // The server closes the stream right after `done`; anything after it is ignored.
    }
    parser.end();
    if (!finished) {
      discardView();
      appendError({ title: "The answer was cut off", message: "The connection closed before the answer was complete.", retry });
    }
  } catch (err) {
    if (!finished) {
      if (controller.signal.aborted) stopped();
      else {
        discardView();
        appendError({ title: "Cannot reach the server", message: "The connection was lost while the answer was streaming.", retry });
      }
    }
  } finally {
    setBusy(false);
  }
}

// ---------------------------------------------------------------------------
// Source panel

const narrowScreen = window.matchMedia("(max-width: 760px)");

function setBackgroundInert(inert) {
  for (const el of [els.topbar, els.main, els.composerWrap]) {
    if (inert) el.setAttribute("inert", "");
    else el.removeAttribute("inert");
  }
}

function panelIsOpen() {
  return !els.panel.hidden;
}

async function openSource(citation, opener) {
  const seq = ++state.panelSeq;
  state.panelOpener = opener;
  els.panel.hidden = false;
  document.body.classList.add("panel-open");
  const modal = narrowScreen.matches;
  els.panel.setAttribute("aria-modal", String(modal));
  setBackgroundInert(modal);

  els.panelKicker.textContent = `Source ${citation.n}`;
  els.panelTitle.textContent = sourceName(citation);
  els.panelMeta.textContent = panelMeta(citation);
  els.panelBody.replaceChildren(h("p", { className: "panel-loading", text: "Loading the document…" }));
  els.panelTitle.focus({ preventScroll: true });

  let doc;
  try {
    doc = await getDocument(citation.documentId);
  } catch (err) {
    if (seq !== state.panelSeq) return;
    els.panelBody.replaceChildren(
      h("p", { className: "panel-error", text: `The document could not be loaded: ${err instanceof Error ? err.message : String(err)}` }),
      h("p", { className: "panel-label", text: "Cited passage" }),
      h("blockquote", { className: "doc-text" }, [h("mark", { text: citation.text })]),
    );
    return;
  }
  if (seq !== state.panelSeq) return;

  const info = { ...citation, title: doc.title ?? citation.title, author: doc.author ?? citation.author, date: doc.date ?? citation.date };
  els.panelTitle.textContent = sourceName(info);
  els.panelMeta.textContent = panelMeta(info);

  const text = typeof doc.text === "string" ? doc.text : "";
  let start = citation.start;
  let end = citation.end;
  if (!(start >= 0 && end > start && end <= text.length && text.slice(start, end) === citation.text)) {
    // Offsets disagree with the text (e.g. a re-indexed document): fall back to a search.
    const at = citation.text ? text.indexOf(citation.text) : -1;
    if (at >= 0) {
      start = at;
      end = at + citation.text.length;
    } else {
      start = Math.min(Math.max(0, start), text.length);
      end = Math.min(Math.max(start, end), text.length);
    }
  }

  const mark = h("mark", { className: "cited", text: text.slice(start, end), attrs: { id: "cited-passage" } });
  const docText = h("div", { className: "doc-text" }, [document.createTextNode(text.slice(0, start)), mark, document.createTextNode(text.slice(end))]);
  els.panelBody.replaceChildren(
    h("div", { className: "panel-tools" }, [
      h("span", { className: "panel-label", text: `${text.length.toLocaleString("en-US")} characters` }),
      h("button", { className: "btn btn-small btn-ghost", text: "Jump to cited passage", attrs: { type: "button" }, on: { click: () => mark.scrollIntoView({ block: "center" }) } }),
    ]),
    docText,
  );
  mark.scrollIntoView({ block: "center" });
}

/** Author · date · id (the id is left out when it already stands in for a missing title). */
function panelMeta(c) {
  const parts = metaParts(c);
  if (sourceName(c) !== c.documentId) parts.push(c.documentId);
  return parts.join(" · ");
}

function closePanel() {
  if (!panelIsOpen()) return;
  state.panelSeq++;
  els.panel.hidden = true;
  document.body.classList.remove("panel-open");
  setBackgroundInert(false);
  const opener = state.panelOpener;
  state.panelOpener = null;
  if (opener && opener.isConnected) opener.focus();
  else els.question.focus();
}

// ---------------------------------------------------------------------------
// Health status

function setStatus(kind, text, title) {
  els.status.dataset.state = kind;
  els.statusText.textContent = text;
  if (title) els.status.title = title;
  else els.status.removeAttribute("title");
}

async function pollHealth() {
  clearTimeout(state.healthTimer);
  let next = 0;
  try {
    const res = await fetch("/api/health", { cache: "no-store", headers: { Accept: "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (res.ok && body.status === "ok") {
      const docs = Number(body.documents ?? 0);
      const mode = body.answerer && body.answerer.mode === "llm" ? `LLM${body.answerer.model ? ` (${body.answerer.model})` : ""}` : "extractive";
      const details = [
        `${body.chunks ?? "?"} chunks`,
        body.embeddings ? `embeddings: ${body.embeddings.provider} ${body.embeddings.model}` : null,
      ].filter(Boolean).join(" · ");
      setStatus("ok", `${docs} document${docs === 1 ? "" : "s"} · ${mode}`, details);
    } else if (body.status === "error") {
      setStatus("error", "Index unavailable", typeof body.message === "string" ? body.message : undefined);
      next = 15_000;
    } else {
      setStatus("indexing", "Indexing…");
      next = 2_000;
    }
  } catch {
    setStatus("offline", "Server unreachable");
    next = 5_000;
  }
  if (next) state.healthTimer = setTimeout(pollHealth, next);
}

// ---------------------------------------------------------------------------
// Wiring

function resizeComposer() {
  const q = els.question;
  q.style.height = "auto";
  q.style.height = `${Math.min(q.scrollHeight, 220)}px`;
}

function submitComposer() {
  if (state.busy) return;
  const question = els.question.value.trim();
  if (!question) {
    els.question.focus();
    return;
  }
  els.question.value = "";
  resizeComposer();
  void ask(question);
}

function newConversation() {
  if (state.controller) state.controller.abort();
  closePanel();
  state.history = [];
  els.conversation.replaceChildren();
  els.empty.hidden = false;
  els.question.value = "";
  resizeComposer();
  window.scrollTo({ top: 0 });
  els.question.focus();
}

els.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submitComposer();
});

els.question.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  submitComposer();
});
els.question.addEventListener("input", resizeComposer);

els.stop.addEventListener("click", () => {
  if (state.controller) state.controller.abort();
});

els.newConversation.addEventListener("click", newConversation);

for (const button of document.querySelectorAll("button.example")) {
  button.addEventListener("click", () => void ask(button.textContent ?? ""));
}

els.conversation.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("button.chip, button.source-link") : null;
  if (!target) return;
  const turn = target.closest(".turn");
  const n = Number(target.getAttribute("data-n"));
  // Finished answers keep their own list; a chip in a still-streaming answer uses the `sources` list.
  const list = (turn && citationsByTurn.get(turn)) || [];
  const citation = list.find((c) => c.n === n) ?? streamingCitation(turn, n);
  if (citation) void openSource(citation, target);
});

function streamingCitation(turn, n) {
  const view = turn ? streamingViews.get(turn) : undefined;
  return view ? view.citations.find((c) => c.n === n) : undefined;
}

els.panelClose.addEventListener("click", closePanel);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && panelIsOpen()) {
    event.preventDefault();
    closePanel();
  }
});
narrowScreen.addEventListener("change", () => {
  if (!panelIsOpen()) return;
  els.panel.setAttribute("aria-modal", String(narrowScreen.matches));
  setBackgroundInert(narrowScreen.matches);
});

resizeComposer();
void pollHealth();
els.question.focus();
