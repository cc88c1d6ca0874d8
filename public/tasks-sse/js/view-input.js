// The run view's input block: what the run was created with (input, processor, task spec and the
// other settings), from this page's own request or the API's copy (GET .../input).

import { h } from "./dom.js";

const SETTINGS = [
  ["task_spec", "Task spec"],
  ["source_policy", "Source policy"],
  ["metadata", "Metadata"],
  ["webhook", "Webhook"],
  ["mcp_servers", "MCP servers"],
];

function pretty(value) {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

export function createInputView() {
  const body = h("div", { class: "run-input-body" });
  const element = h("section", { class: "panel-block run-input", "aria-label": "Input and task spec" }, [
    h("h3", { text: "Input and task spec" }),
    body,
  ]);

  function setInput(input) {
    if (!input || typeof input !== "object") {
      body.replaceChildren(h("p", { class: "muted", text: "Not known yet: the API has not said." }));
      return;
    }
    const parts = [
      h("p", { class: "run-input-processor", text: `Processor: ${input.processor || "?"}` }),
      h("pre", { class: "code run-input-text", text: pretty(input.input ?? "") }),
    ];
    for (const [key, label] of SETTINGS) {
      if (input[key] === undefined || input[key] === null) continue;
      parts.push(
        h("details", { class: `run-input-setting setting-${key}` }, [
          h("summary", { text: label }),
          h("pre", { class: "code", text: pretty(input[key]) }),
        ]),
      );
    }
    body.replaceChildren(...parts);
  }

  return { element, setInput };
}
