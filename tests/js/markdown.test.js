// The safe markdown subset's parser: block and inline structure, and that unsafe links stay text.
import { test } from "node:test";
import assert from "node:assert/strict";

import { parseBlocks, parseInline } from "../../public/tasks-sse/js/markdown.js";

test("blocks: headings, paragraphs, lists, quotes, code, rules", () => {
  const blocks = parseBlocks("# Title\n\nOne\ntwo\n\n- a\n- b\n\n3. c\n4. d\n\n> q\n\n```\n<b>x</b>\n```\n\n---");
  assert.deepEqual(
    blocks.map((b) => b.type),
    ["heading", "para", "ul", "ol", "quote", "code", "rule"],
  );
  assert.equal(blocks[1].text, "One\ntwo");
  assert.deepEqual(blocks[2].items, ["a", "b"]);
  assert.equal(blocks[3].start, 3);
  assert.equal(blocks[5].text, "<b>x</b>");
});

test("inline: code, strong, em, links, bare URLs", () => {
  const t = parseInline("a `x<y>` **b** *c* [site](https://example.com/a) see https://example.org/x.");
  assert.deepEqual(
    t.map((x) => x.type),
    ["text", "code", "text", "strong", "text", "em", "text", "link", "text", "link", "text"],
  );
  assert.equal(t[7].url, "https://example.com/a");
  assert.equal(t[9].url, "https://example.org/x");
  assert.equal(t[10].text, ".");
});

test("markup in text stays text; javascript: links are tokens the renderer will not link", () => {
  const t = parseInline('<img src=x onerror="alert(1)"> [click](javascript:alert(1))');
  assert.equal(t[0].type, "text");
  assert.match(t[0].text, /<img/);
  const link = t.find((x) => x.type === "link");
  assert.equal(link.url, "javascript:alert(1");
});
