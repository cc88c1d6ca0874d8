// A safe markdown subset for text outputs (deep-research reports): headings, paragraphs, lists,
// block quotes, fenced code, rules; inline code, bold, italic, [links](http...) and bare URLs.
// Parsing is pure (Node-testable) and yields plain data; the DOM is built with createElement and
// textContent only, so no input can become markup. Links are made only for http(s) URLs.

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

/** Split text into blocks: { type: "heading"|"para"|"ul"|"ol"|"quote"|"code"|"rule", ... }. */
export function parseBlocks(text) {
  const lines = String(text ?? "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  const blocks = [];
  let para = [];
  const flush = () => {
    if (para.length) blocks.push({ type: "para", text: para.join("\n") });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (FENCE.test(line)) {
      flush();
      const fence = line.trim().slice(0, 3);
      const code = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) code.push(lines[i++]);
      blocks.push({ type: "code", text: code.join("\n") });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    let m;
    if ((m = HEADING.exec(line))) {
      flush();
      blocks.push({ type: "heading", level: m[1].length, text: m[2] });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      blocks.push({ type: "rule" });
      continue;
    }
    if (BULLET.test(line) || ORDERED.test(line)) {
      flush();
      const ordered = ORDERED.test(line);
      const re = ordered ? ORDERED : BULLET;
      const items = [];
      const start = ordered ? Number(ORDERED.exec(line)[1]) : 1;
      while (i < lines.length && re.test(lines[i])) {
        const mm = re.exec(lines[i]);
        items.push(ordered ? mm[2] : mm[1]);
        i += 1;
      }
      i -= 1;
      blocks.push(ordered ? { type: "ol", start, items } : { type: "ul", items });
      continue;
    }
    if (QUOTE.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(QUOTE.exec(lines[i++])[1]);
      i -= 1;
      blocks.push({ type: "quote", text: quoted.join("\n") });
      continue;
    }
    para.push(line);
  }
  flush();
  return blocks;
}

const INLINE =
  /(`+)([\s\S]*?)\1|\*\*([^*]+?)\*\*|__([^_]+?)__|\*([^*\s][^*]*?)\*|\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"\]])/g;

/** Inline tokens: { type: "text"|"code"|"strong"|"em"|"link", text, url? }. */
export function parseInline(text) {
  const s = String(text ?? "");
  const out = [];
  let last = 0;
  INLINE.lastIndex = 0;
  let m;
  while ((m = INLINE.exec(s)) !== null) {
    if (m.index > last) out.push({ type: "text", text: s.slice(last, m.index) });
    if (m[1]) out.push({ type: "code", text: m[2] });
    else if (m[3] !== undefined || m[4] !== undefined) out.push({ type: "strong", text: m[3] ?? m[4] });
    else if (m[5] !== undefined) out.push({ type: "em", text: m[5] });
    else if (m[6] !== undefined) out.push({ type: "link", text: m[6], url: m[7] });
    else if (m[8] !== undefined) out.push({ type: "link", text: m[8], url: m[8] });
    last = INLINE.lastIndex;
  }
  if (last < s.length) out.push({ type: "text", text: s.slice(last) });
  return out;
}

function isHttp(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function appendInline(doc, parent, text) {
  for (const t of parseInline(text)) {
    if (t.type === "text") {
      const parts = t.text.split("\n");
      parts.forEach((p, i) => {
        if (i) parent.append(doc.createElement("br"));
        if (p) parent.append(doc.createTextNode(p));
      });
    } else if (t.type === "link") {
      if (isHttp(t.url)) {
        const a = doc.createElement("a");
        a.href = new URL(t.url).href;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        a.textContent = t.text;
        parent.append(a);
      } else {
        parent.append(doc.createTextNode(t.text === t.url ? t.text : `${t.text} (${t.url})`));
      }
    } else {
      const el = doc.createElement(t.type === "code" ? "code" : t.type);
      el.textContent = t.text;
      parent.append(el);
    }
  }
}

/** Build a DocumentFragment for `text` with the safe subset. */
export function renderMarkdown(text, doc = document) {
  const frag = doc.createDocumentFragment();
  for (const b of parseBlocks(text)) {
    let el;
    switch (b.type) {
      case "heading":
        // Report headings sit under the page's own h2/h3: shift them down, at most h6.
        el = doc.createElement(`h${Math.min(6, b.level + 2)}`);
        appendInline(doc, el, b.text);
        break;
      case "para":
        el = doc.createElement("p");
        appendInline(doc, el, b.text);
        break;
      case "ul":
      case "ol":
        el = doc.createElement(b.type);
        if (b.type === "ol" && b.start !== 1) el.start = b.start;
        for (const item of b.items) {
          const li = doc.createElement("li");
          appendInline(doc, li, item);
          el.append(li);
        }
        break;
      case "quote":
        el = doc.createElement("blockquote");
        appendInline(doc, el, b.text);
        break;
      case "code": {
        el = doc.createElement("pre");
        const code = doc.createElement("code");
        code.textContent = b.text;
        el.append(code);
        break;
      }
      case "rule":
        el = doc.createElement("hr");
        break;
      default:
        continue;
    }
    frag.append(el);
  }
  return frag;
}
