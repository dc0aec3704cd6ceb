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
  composerHint: $("#composer-hint"),
  send: $("#send"),
  stop: $("#stop"),
  panel: $("#source-panel"),
  panelKicker: $("#panel-kicker"),
  panelTitle: $("#panel-title"),
  panelMeta: $("#panel-meta"),
  panelBody: $("#panel-body"),
  panelClose: $("#panel-close"),
  skipLink: $("#skip-link"),
  chatView: $("#chat-view"),
  briefingView: $("#briefing-view"),
  tabChat: $("#tab-chat"),
  tabBriefing: $("#tab-briefing"),
  briefingMain: $("#briefing-main"),
  briefingForm: $("#briefing-form"),
  topic: $("#topic"),
  maxPoints: $("#max-points"),
  topicError: $("#topic-error"),
  briefingSubmit: $("#briefing-submit"),
  briefingCancel: $("#briefing-cancel"),
  briefingExamples: $("#briefing-examples"),
  briefingStatus: $("#briefing-status"),
  briefingOutput: $("#briefing-output"),
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
  /** "chat" | "briefing": the visible view. */
  view: "chat",
  /** Scroll position of each view, restored when switching back to it. */
  scroll: { chat: 0, briefing: 0 },
};

const briefingState = {
  busy: false,
  /** @type {AbortController | null} */
  controller: null,
  /** The briefing on screen (its sources are looked up when a chip is activated). */
  current: null,
};

/** The sentence a briefing chip cites (point, timeline event or claim): emphasised inside the passage. */
const chipQuotes = new WeakMap();

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
  if (state.view !== "chat") return false;
  const doc = document.documentElement;
  return doc.scrollHeight - (window.scrollY + window.innerHeight) < 160;
}

function scrollToBottom() {
  if (state.view !== "chat") return; // a chat answer streaming in the background leaves the briefing alone
  window.scrollTo({ top: document.documentElement.scrollHeight });
}

// ---------------------------------------------------------------------------
// Formatting

function sourceName(c) {
  // The label is the title, or the document's opening words when it shows none.
  const title = [c.label, c.title].find((t) => typeof t === "string" && t.trim() !== "")?.trim() ?? c.documentId;
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
  return [c.author, c.publisher, formatDate(c.date)].filter((x) => typeof x === "string" && x.trim() !== "");
}

/** "[1] Title — author, publisher, date (documentId)" for the copied Markdown. */
function sourceLine(c) {
  const parts = [c.author, c.publisher, c.date].filter((x) => typeof x === "string" && x.trim() !== "");
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

/**
 * Appends `before` as text, then a chip for each citation, keeping the chips on the same line
 * as the word they follow. Returns the chips.
 */
function appendWithChips(parent, before, citations) {
  const word = /\S+\s*$/.exec(before);
  const tail = word && word[0].length <= 28 ? word : null; // long words (URLs) may still wrap
  const lead = tail ? before.slice(0, tail.index) : before;
  if (lead) parent.append(document.createTextNode(lead));
  const group = h("span", { className: "chips" }, tail ? [tail[0]] : []);
  const chips = citations.map(makeChip);
  group.append(...chips);
  parent.append(group);
  return chips;
}

function appendInline(parent, text, citations) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const before = text.slice(last, match.index);
    const numbers = match[1] !== undefined ? match[1].split(/[,;]/).map((s) => Number(s.trim())) : [];
    const found = numbers.map((n) => citations.find((c) => c.n === n));
    if (match[1] !== undefined && found.every(Boolean)) {
      // The text a marker follows is what it cites: the panel underlines it inside the passage.
      const quote = before.replace(/^[\s-]+/, "").trim();
      for (const chip of appendWithChips(parent, before, found)) if (quote) chipQuotes.set(chip, quote);
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
  // A cached answer's timings are the lookup's: "0 ms" would read as a claim about the answer.
  if (answer.cached) facts.push("cached answer");
  else if (answer.timings && Number.isFinite(answer.timings.totalMs)) facts.push(answer.timings.totalMs < 1 ? "under 1 ms" : `${Math.round(answer.timings.totalMs)} ms`);
  // The server searches the question with its whitespace collapsed: that alone is no rewrite.
  const squash = (s) => s.replace(/\s+/g, " ").trim();
  const footer = h("div", { className: "answer-footer" }, [
    h("p", { className: "answer-facts" }, [
      facts.join(" · "),
      answer.query && question && squash(answer.query) !== squash(question) ? h("span", { className: "answer-query", text: ` · searched “${answer.query}”` }) : null,
    ]),
    copyButton(answer),
  ]);
  article.append(footer);
}

function appendError(options) {
  const turn = buildError(options);
  els.conversation.append(turn);
  return turn;
}

/** An error card: title, message, and optionally the API-key form and a Retry button. */
function buildError({ title, message, retry, keyForm }) {
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
    if (state.view === "chat" && (!active || active === document.body || active === els.stop)) els.question.focus();
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
      serverUnreachable();
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
    } else if (event === "reset") {
      // The LLM failed mid-answer: its text is discarded; the fallback answer streams next.
      view.text = "";
      view.body.replaceChildren();
      dirty = true;
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
        serverUnreachable();
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
  for (const el of [els.topbar, els.chatView, els.briefingView]) {
    if (inert) el.setAttribute("inert", "");
    else el.removeAttribute("inert");
  }
}

function panelIsOpen() {
  return !els.panel.hidden;
}

/**
 * Opens the cited document in the side panel with the passage highlighted. `quote`, when given,
 * is the sentence the opener cites (a briefing point): it is emphasised inside the passage.
 */
async function openSource(citation, opener, quote) {
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

  const info = { ...citation, title: doc.title ?? citation.title, label: doc.label ?? citation.label, author: doc.author ?? citation.author, publisher: doc.publisher ?? citation.publisher, date: doc.date ?? citation.date };
  els.panelTitle.textContent = sourceName(info);
  els.panelMeta.textContent = panelMeta(info);

  const text = typeof doc.text === "string" ? doc.text : "";
  const passage = typeof citation.text === "string" ? citation.text : "";
  let start = Number.isInteger(citation.start) ? citation.start : -1;
  let end = Number.isInteger(citation.end) ? citation.end : -1;
  if (!(start >= 0 && end > start && end <= text.length && (!passage || text.slice(start, end) === passage))) {
    // Offsets missing or disagreeing with the text (e.g. a re-indexed document): search for the passage.
    const at = passage ? text.indexOf(passage) : -1;
    if (at >= 0) {
      start = at;
      end = at + passage.length;
    } else {
      start = -1;
      end = -1;
    }
  }

  if (start < 0) {
    // The passage is not in the current text: show it on its own above the document.
    els.panelBody.replaceChildren(
      h("p", { className: "panel-error", text: "The cited passage was not found in the current version of this document." }),
      passage ? h("p", { className: "panel-label", text: "Cited passage" }) : null,
      passage ? h("blockquote", { className: "doc-text" }, [h("mark", { text: passage })]) : null,
      h("p", { className: "panel-label", text: "Document" }),
      h("div", { className: "doc-text", text }),
    );
    return;
  }

  const cited = text.slice(start, end);
  const mark = h("mark", { className: "cited", attrs: { id: "cited-passage" } });
  const at = quote ? cited.indexOf(quote) : -1;
  let target = mark;
  if (at >= 0 && quote.length < cited.length) {
    target = h("span", { className: "cited-quote", text: quote });
    mark.append(document.createTextNode(cited.slice(0, at)), target, document.createTextNode(cited.slice(at + quote.length)));
  } else {
    mark.textContent = cited;
  }
  const docText = h("div", { className: "doc-text" }, [document.createTextNode(text.slice(0, start)), mark, document.createTextNode(text.slice(end))]);
  els.panelBody.replaceChildren(
    h("div", { className: "panel-tools" }, [
      h("span", { className: "panel-label", text: `${text.length.toLocaleString("en-US")} characters` }),
      h("button", { className: "btn btn-small btn-ghost", text: "Jump to cited passage", attrs: { type: "button" }, on: { click: () => target.scrollIntoView({ block: "center" }) } }),
    ]),
    docText,
  );
  target.scrollIntoView({ block: "center" });
}

/** Author · date · id (the id is left out when it already stands in for a missing title). */
function panelMeta(c) {
  const parts = metaParts(c);
  if (sourceName(c) !== c.documentId) parts.push(c.documentId);
  return parts.join(" · ");
}

function closePanel({ restoreFocus = true } = {}) {
  if (!panelIsOpen()) return;
  state.panelSeq++;
  els.panel.hidden = true;
  document.body.classList.remove("panel-open");
  setBackgroundInert(false);
  const opener = state.panelOpener;
  state.panelOpener = null;
  if (!restoreFocus) return;
  if (opener && opener.isConnected && opener.getClientRects().length) opener.focus();
  else (state.view === "briefing" ? els.topic : els.question).focus();
}

// ---------------------------------------------------------------------------
// Briefing view: a topic in, a cited briefing out (POST /api/briefing)

const MONTH_FORMAT = { month: "short", year: "numeric", timeZone: "UTC" };

/** "29 Aug 2021", "Apr 2020" or "2014", by the precision of the ISO date. */
function formatTimelineDate(entry) {
  const date = typeof entry.date === "string" ? entry.date : "";
  const precision = entry.precision ?? (date.length === 4 ? "year" : date.length === 7 ? "month" : "day");
  if (precision === "year") return date.slice(0, 4) || date;
  if (precision === "month") {
    const m = /^(\d{4})-(\d{2})/.exec(date);
    if (!m) return date;
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    return Number.isNaN(d.getTime()) ? date : d.toLocaleDateString("en-GB", MONTH_FORMAT);
  }
  return formatDate(date) ?? date;
}

function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "");
  return d.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "briefing-is-k-external-operations.md" */
function briefingFileName(topic) {
  const slug = String(topic ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug ? `briefing-${slug}.md` : "briefing.md";
}

function downloadMarkdown(briefing) {
  const blob = new Blob([briefing.markdown], { type: "text/markdown;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = h("a", { className: "visually-hidden", attrs: { href: url, download: briefingFileName(briefing.topic), tabindex: "-1", "aria-hidden": "true" } });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download may still be reading the blob.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

function flash(button, text, ok, restore) {
  button.textContent = text;
  button.classList.toggle("copied", ok);
  clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(setTimeout(() => {
    button.textContent = restore;
    button.classList.remove("copied");
  }, 2000));
}

/** Text followed by chips for `numbers` (numbers without a source are left out). */
function textWithChips(parent, text, numbers, sources, quote) {
  const found = (Array.isArray(numbers) ? numbers : []).map((n) => sources.get(n)).filter(Boolean);
  if (!found.length) {
    parent.append(document.createTextNode(text));
    return parent;
  }
  for (const chip of appendWithChips(parent, `${text} `, found)) chipQuotes.set(chip, quote ?? text);
  return parent;
}

function briefingBlock(title, className, children, count) {
  const id = nextId("brief");
  return h("section", { className: `brief-block ${className}`, attrs: { "aria-labelledby": id } }, [
    h("h3", { className: "brief-block-title", attrs: { id } }, [
      title,
      count !== undefined ? h("span", { className: "brief-count", text: String(count) }) : null,
    ]),
    ...children,
  ]);
}

function renderBriefing(briefing) {
  const sourceList = Array.isArray(briefing.sources) ? briefing.sources : [];
  const sources = new Map(sourceList.map((s) => [s.n, s]));
  const sections = (Array.isArray(briefing.sections) ? briefing.sections : []).filter((s) => Array.isArray(s.points) && s.points.length);
  const timeline = Array.isArray(briefing.timeline) ? briefing.timeline : [];
  const disagreements = (Array.isArray(briefing.disagreements) ? briefing.disagreements : []).filter((d) => Array.isArray(d.claims) && d.claims.length);
  const warnings = Array.isArray(briefing.warnings) ? briefing.warnings : [];
  const documents = new Set(sourceList.map((s) => s.documentId)).size;
  const llm = briefing.mode === "llm";

  // Header: title, when and how it was made, and the Markdown actions.
  const titleId = nextId("briefing-title");
  const download = h("button", { className: "btn btn-small btn-secondary download-md", attrs: { type: "button" } }, [
    h("span", { className: "icon-download", attrs: { "aria-hidden": "true" } }),
    "Download .md",
  ]);
  download.addEventListener("click", () => downloadMarkdown(briefing));
  const copy = h("button", { className: "btn btn-small btn-ghost copy-md", text: "Copy Markdown", attrs: { type: "button" } });
  copy.addEventListener("click", async () => {
    const ok = await copyText(briefing.markdown);
    flash(copy, ok ? "Copied" : "Copy failed", ok, "Copy Markdown");
  });

  const facts = [
    h("time", { text: `Generated ${formatDateTime(briefing.generatedAt)}`, attrs: { datetime: briefing.generatedAt } }),
    sourceList.length ? `${plural(sourceList.length, "passage")} from ${plural(documents, "document")}` : null,
    briefing.timings && Number.isFinite(briefing.timings.totalMs) ? `${Math.round(briefing.timings.totalMs)} ms` : null,
  ].filter(Boolean);
  const meta = h("p", { className: "briefing-meta" });
  facts.forEach((fact, i) => {
    if (i) meta.append(h("span", { className: "sep", text: " · ", attrs: { "aria-hidden": "true" } }));
    meta.append(fact);
  });

  // One grid: kicker and actions share the first row; the title and facts run full width below.
  const head = h("header", { className: "briefing-head" }, [
    h("p", { className: "briefing-kicker" }, [
      "Briefing",
      h("span", { className: `mode-badge${llm ? " llm" : ""}`, text: llm ? "LLM" : "Extractive" }),
    ]),
    h("h2", { className: "briefing-title", text: briefing.title, attrs: { id: titleId, tabindex: "-1" } }),
    meta,
    h("p", {
      className: "briefing-mode",
      text: llm
        ? "Points were written by a language model from the cited passages: check them against the sources."
        : "Every point is a sentence quoted verbatim from the source it cites.",
    }),
    h("div", { className: "briefing-actions" }, [download, copy]),
  ]);

  const article = h("article", { className: "briefing", attrs: { "aria-labelledby": titleId } }, [head]);

  if (warnings.length) {
    article.append(h("ul", { className: "warnings briefing-warnings", attrs: { "aria-label": "Warnings" } }, warnings.map((w) => h("li", { text: w }))));
  }

  // Contents: the blocks below, with counts, as in-page links.
  const blocks = [];

  // Key points, by section.
  const pointsBody = sections.length
    ? sections.map((section) => {
      const id = nextId("brief-section");
      return h("section", { className: "brief-section", attrs: { "aria-labelledby": id } }, [
        h("h4", { className: "brief-section-title", text: section.heading, attrs: { id } }),
        section.question ? h("p", { className: "brief-question", text: section.question }) : null,
        h("ul", { className: "brief-points" }, section.points.map((p) => textWithChips(h("li", { className: "brief-point" }), p.text, p.citations, sources))),
      ]);
    })
    : [h("p", { className: "brief-empty", text: "The documents say nothing substantial about this topic." })];
  blocks.push({ label: "Key points", count: sections.reduce((n, s) => n + s.points.length, 0), node: briefingBlock("Key points", "brief-key-points", pointsBody) });

  // Timeline.
  if (timeline.length) {
    const list = h("ol", { className: "timeline" });
    for (const entry of timeline) {
      const when = formatTimelineDate(entry);
      const printed = typeof entry.dateText === "string" ? entry.dateText.trim() : "";
      const dateCell = h("div", { className: "tl-when" }, [
        h("time", { className: "tl-date", text: when, attrs: { datetime: entry.date } }),
        entry.inferred
          ? h("span", {
            className: "badge badge-inferred",
            text: "inferred",
            attrs: { title: printed ? `Printed as “${printed}”: dated from the document’s own date` : "Dated from the document’s own date" },
          })
          : null,
      ]);
      const body = h("div", { className: "tl-body" }, [
        textWithChips(h("p", { className: "tl-event" }), entry.event, entry.citations, sources),
        entry.inferred && printed ? h("p", { className: "tl-printed", text: `Printed as “${printed}”` }) : null,
      ]);
      list.append(h("li", { className: `tl-item${entry.inferred ? " inferred" : ""}` }, [dateCell, body]));
    }
    blocks.push({ label: "Timeline", count: timeline.length, node: briefingBlock("Timeline", "brief-timeline", [list], timeline.length) });
  }

  // Where sources disagree.
  const disagreeBody = disagreements.length
    ? [
      h("p", { className: "brief-note", text: "Figures that differ between sources. Open each one to read it in context." }),
      ...disagreements.map((d) => {
        const id = nextId("disagreement");
        return h("section", { className: "disagreement", attrs: { "aria-labelledby": id } }, [
          h("h4", { className: "disagreement-about", text: d.about, attrs: { id } }),
          h("ul", { className: "claims" }, d.claims.map((claim) => {
            const source = sources.get(claim.n);
            const footer = h("p", { className: "claim-source" });
            if (source) {
              const chip = makeChip(source);
              chipQuotes.set(chip, claim.text);
              const metaBits = metaParts(source);
              footer.append(chip, h("span", { className: "claim-source-name", text: sourceName(source) }));
              if (metaBits.length) footer.append(h("span", { className: "source-meta", text: ` · ${metaBits.join(" · ")}` }));
            }
            return h("li", { className: "claim" }, [
              h("p", { className: "claim-value", text: claim.value }),
              h("blockquote", { className: "claim-quote", text: claim.text }),
              footer,
            ]);
          })),
        ]);
      }),
    ]
    : [h("p", { className: "brief-empty", text: "No conflicting figures found between the sources." })];
  blocks.push({ label: "Where sources disagree", count: disagreements.length, node: briefingBlock("Where sources disagree", "brief-disagreements", disagreeBody, disagreements.length || undefined) });

  // Sources.
  if (sourceList.length) {
    const list = h("ol", { className: "source-list brief-sources" });
    for (const s of sourceList) list.append(makeSourceItem(s, "source"));
    blocks.push({ label: "Sources", count: sourceList.length, node: briefingBlock("Sources", "brief-sources-block", [list], sourceList.length) });
  }

  const toc = h("nav", { className: "briefing-toc", attrs: { "aria-label": "Briefing contents" } }, [
    h("ul", {}, blocks.map((b) => {
      const heading = b.node.querySelector(".brief-block-title");
      const target = b.node.id || (b.node.id = nextId("brief-block"));
      return h("li", {}, [
        h("a", { attrs: { href: `#${target}` }, on: { click: (event) => jumpTo(event, b.node, heading) } }, [
          b.label,
          b.count ? h("span", { className: "toc-count", text: String(b.count) }) : null,
        ]),
      ]);
    })),
  ]);
  article.append(toc, ...blocks.map((b) => b.node));
  return article;
}

/** In-page links scroll without changing the address (and so without leaving a hash behind). */
function jumpTo(event, block, heading) {
  event.preventDefault();
  block.scrollIntoView({ block: "start" });
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

function briefingLoadingView(topic) {
  return h("article", { className: "briefing briefing-loading", attrs: { "aria-label": "Preparing the briefing" } }, [
    h("p", { className: "briefing-kicker", text: "Briefing" }),
    h("p", { className: "briefing-pending" }, ["Preparing a briefing on ", h("q", { text: topic })]),
    h("p", { className: "briefing-pending-steps", text: "Searching the documents, grouping key points, building the timeline and comparing figures." }),
    h("div", { className: "skeleton", attrs: { "aria-hidden": "true" } }, [
      h("span", { className: "sk-line w-40" }),
      h("span", { className: "sk-line w-90" }),
      h("span", { className: "sk-line w-75" }),
      h("span", { className: "sk-line w-85" }),
      h("span", { className: "sk-line w-60" }),
    ]),
  ]);
}

function setBriefingBusy(busy) {
  briefingState.busy = busy;
  els.briefingSubmit.disabled = busy;
  els.briefingSubmit.textContent = busy ? "Preparing…" : "Prepare briefing";
  els.briefingCancel.hidden = !busy;
  els.briefingForm.classList.toggle("is-busy", busy);
  els.briefingForm.setAttribute("aria-busy", String(busy));
  els.briefingOutput.setAttribute("aria-busy", String(busy));
  if (!busy) {
    briefingState.controller = null;
    if (state.view === "briefing" && (document.activeElement === els.briefingCancel || document.activeElement === document.body)) els.topic.focus();
  }
}

function showTopicError(message) {
  els.topicError.textContent = message;
  els.topicError.hidden = !message;
  if (message) els.topic.setAttribute("aria-invalid", "true");
  else els.topic.removeAttribute("aria-invalid");
}

function showBriefingError(options) {
  const card = buildError(options);
  els.briefingOutput.replaceChildren(card);
  return card;
}

/** Asks the server for a briefing on `topic` and renders it in place of the previous one. */
async function prepareBriefing(topic, maxPoints) {
  if (briefingState.busy) return;
  topic = topic.trim();
  if (!topic) {
    showTopicError("Enter a topic for the briefing.");
    els.topic.focus();
    return;
  }
  showTopicError("");
  els.briefingMain.classList.add("has-output");

  const previous = [...els.briefingOutput.childNodes];
  const controller = new AbortController();
  briefingState.controller = controller;
  setBriefingBusy(true);
  els.briefingOutput.replaceChildren(briefingLoadingView(topic));
  els.briefingStatus.textContent = "Preparing the briefing…";

  const retry = () => void prepareBriefing(topic, maxPoints);
  const body = JSON.stringify(maxPoints ? { topic, maxPoints } : { topic });

  let res;
  let briefing;
  try {
    res = await fetch("/api/briefing", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
      body,
      signal: controller.signal,
    });
    if (res.ok) briefing = await res.json();
  } catch (err) {
    setBriefingBusy(false);
    if (controller.signal.aborted) {
      // Cancelled: put back whatever was shown before.
      els.briefingOutput.replaceChildren(...previous);
      els.briefingStatus.textContent = "Cancelled.";
      if (!previous.length) els.briefingMain.classList.remove("has-output");
    } else if (res && res.ok) {
      showBriefingError({ title: "Server error", message: "The server's answer could not be read.", retry });
    } else {
      serverUnreachable();
      showBriefingError({ title: "Cannot reach the server", message: "Check that the service is running, then retry.", retry });
    }
    return;
  }

  if (!res.ok) {
    const error = await readErrorBody(res);
    setBriefingBusy(false);
    els.briefingStatus.textContent = "";
    if (res.status === 401) {
      const hadKey = Boolean(apiKey());
      if (hadKey) clearApiKey();
      showBriefingError({
        title: "API key required",
        message: hadKey ? "The server rejected the saved API key. Enter a valid key to continue." : "This server needs an API key to prepare briefings.",
        keyForm: apiKeyForm(() => {
          state.documents.clear();
          void prepareBriefing(topic, maxPoints);
        }, hadKey),
      });
    } else if (res.status === 429) {
      const secs = retryAfterSeconds(res);
      showBriefingError({ title: secs !== null ? `Too many requests — try again in ${secs} s` : "Too many requests — try again shortly", retry });
    } else if (res.status >= 500) {
      showBriefingError({ title: res.status === 503 ? "Not ready yet" : "Server error", message: error.message, retry });
    } else {
      showBriefingError({ title: "The topic was not accepted", message: error.message });
    }
    return;
  }

  briefingState.current = briefing;
  let view;
  try {
    view = renderBriefing(briefing);
  } catch (err) {
    setBriefingBusy(false);
    showBriefingError({ title: "The briefing could not be shown", message: err instanceof Error ? err.message : String(err), retry });
    return;
  }
  els.briefingOutput.replaceChildren(view);
  setBriefingBusy(false);
  const points = (briefing.sections ?? []).reduce((n, s) => n + (s.points?.length ?? 0), 0);
  els.briefingStatus.textContent = `Briefing ready: ${plural(points, "key point")}, ${plural(briefing.timeline?.length ?? 0, "timeline entry", "timeline entries")}, ${plural(briefing.sources?.length ?? 0, "source")}.`;
  // Focus the title (scrolled into view if needed) so the briefing is read from its start.
  const title = view.querySelector(".briefing-title");
  if (title && state.view === "briefing") title.focus();
}

function submitBriefing() {
  const maxPoints = Number(els.maxPoints.value);
  void prepareBriefing(els.topic.value, Number.isInteger(maxPoints) && maxPoints >= 3 && maxPoints <= 20 ? maxPoints : undefined);
}

// ---------------------------------------------------------------------------
// Views: Chat and Briefing tabs (WAI-ARIA tabs, automatic activation)

const VIEWS = {
  chat: { tab: els.tabChat, panel: els.chatView, input: els.question, skip: "Skip to the question box", title: "Document Q&A · IS-K analyst reports" },
  briefing: { tab: els.tabBriefing, panel: els.briefingView, input: els.topic, skip: "Skip to the topic box", title: "Briefing · Document Q&A · IS-K analyst reports" },
};

function selectView(name, { focusTab = false } = {}) {
  const next = VIEWS[name];
  if (!next) return;
  if (name !== state.view) {
    state.scroll[state.view] = window.scrollY;
    // The panel belongs to the view it was opened from.
    closePanel({ restoreFocus: false });
    for (const [key, view] of Object.entries(VIEWS)) {
      const on = key === name;
      view.tab.setAttribute("aria-selected", String(on));
      view.tab.tabIndex = on ? 0 : -1;
      view.panel.hidden = !on;
    }
    state.view = name;
    els.newConversation.hidden = name !== "chat";
    els.skipLink.textContent = next.skip;
    els.skipLink.setAttribute("href", `#${next.input.id}`);
    document.title = next.title;
    window.scrollTo({ top: state.scroll[name] });
  }
  if (focusTab) next.tab.focus();
}

// ---------------------------------------------------------------------------
// Health status

function setStatus(kind, text, title) {
  els.status.dataset.state = kind;
  els.statusText.textContent = text;
  if (title) els.status.title = title;
  else els.status.removeAttribute("title");
}

/** A request could not reach the server: the status says so at once, and is checked until it is back. */
function serverUnreachable() {
  setStatus("offline", "Server unreachable");
  clearTimeout(state.healthTimer);
  state.healthTimer = setTimeout(pollHealth, 5_000);
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
      // Checked again now and then, so a server that goes away while the page is idle shows it.
      next = 30_000;
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
  showQuestionLength();
}

const COMPOSER_HINT = "Enter to send · Shift+Enter for a new line";

/**
 * Near the limit the hint counts characters, and at it says that the rest was cut: the
 * textarea's maxlength drops a longer paste's end without a word.
 */
function showQuestionLength() {
  const max = els.question.maxLength;
  const length = els.question.value.length;
  const near = max > 0 && length >= max * 0.9;
  els.composerHint.classList.toggle("near-limit", near);
  els.composerHint.textContent = !near
    ? COMPOSER_HINT
    : length >= max
      ? `${max.toLocaleString("en-US")} characters at most: a longer paste is cut off`
      : `${length.toLocaleString("en-US")} of ${max.toLocaleString("en-US")} characters`;
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
  if (citation) void openSource(citation, target, chipQuotes.get(target));
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

// Tabs: click, or Left/Right/Home/End on the focused tab.
const TAB_ORDER = ["chat", "briefing"];
for (const name of TAB_ORDER) {
  VIEWS[name].tab.addEventListener("click", () => selectView(name));
  VIEWS[name].tab.addEventListener("keydown", (event) => {
    const i = TAB_ORDER.indexOf(name);
    let next = null;
    if (event.key === "ArrowRight") next = TAB_ORDER[(i + 1) % TAB_ORDER.length];
    else if (event.key === "ArrowLeft") next = TAB_ORDER[(i - 1 + TAB_ORDER.length) % TAB_ORDER.length];
    else if (event.key === "Home") next = TAB_ORDER[0];
    else if (event.key === "End") next = TAB_ORDER[TAB_ORDER.length - 1];
    if (!next) return;
    event.preventDefault();
    selectView(next, { focusTab: true });
  });
}

els.briefingForm.addEventListener("submit", (event) => {
  event.preventDefault();
  submitBriefing();
});
els.topic.addEventListener("input", () => {
  if (!els.topicError.hidden && els.topic.value.trim()) showTopicError("");
});
els.briefingCancel.addEventListener("click", () => {
  if (briefingState.controller) briefingState.controller.abort();
});
for (const button of document.querySelectorAll("button.topic-example")) {
  button.addEventListener("click", () => {
    els.topic.value = button.textContent ?? "";
    submitBriefing();
  });
}

els.briefingOutput.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("button.chip, button.source-link") : null;
  if (!target || !briefingState.current) return;
  const n = Number(target.getAttribute("data-n"));
  const source = (briefingState.current.sources ?? []).find((s) => s.n === n);
  if (source) void openSource(source, target, chipQuotes.get(target));
});

resizeComposer();
void pollHealth();
els.question.focus();
