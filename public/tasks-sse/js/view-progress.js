// The run view's status and progress block: the status timeline, the progress bar and the sources
// scorecard (updated in place). The bar animates (indeterminate) only while a stream may still
// report progress.

import { h, clockTime, safeLink } from "./dom.js";
import { statusBadge } from "./view-header.js";

const SAMPLE_MAX = 25;
const ACTIVE_STREAM = new Set(["connecting", "live", "reconnecting"]);

export function createProgressView() {
  const timeline = h("ol", { class: "timeline", "aria-label": "Status timeline" });
  const progress = h("progress", { class: "progress", max: "100", "aria-label": "Progress" });
  const progressLabel = h("span", { class: "progress-label muted" });
  const considered = h("dd", { class: "stat-considered", text: "–" });
  const read = h("dd", { class: "stat-read", text: "–" });
  const sample = h("ul", { class: "sources-sample", "aria-label": "Sample of sources read" });
  const element = h("section", { class: "panel-block", "aria-label": "Status and progress" }, [
    h("h3", { text: "Status" }),
    timeline,
    h("div", { class: "progress-row" }, [progress, progressLabel]),
    h("dl", { class: "scorecard" }, [
      h("div", {}, [h("dt", { text: "Sources considered" }), considered]),
      h("div", {}, [h("dt", { text: "Sources read" }), read]),
    ]),
    h("details", { class: "sample-details" }, [h("summary", { text: "Sample of sources read" }), sample]),
  ]);

  let frag = null;
  let stats = null;
  let statsDirty = false;
  let done = false; // the run completed: the bar is full
  let streaming = false;

  function timelineItem(t) {
    return h(
      "li",
      {
        class: `tl-item status-${t.status}`,
        title: t.inferred ? "No state event for this step: inferred from the other events" : null,
      },
      [
        statusBadge(t.status),
        h("time", { class: "muted", text: ` ${clockTime(t.at)}` }),
        t.inferred ? h("span", { class: "muted inferred", text: " (from events)" }) : null,
      ],
    );
  }

  function paintBar() {
    if (done) {
      progress.value = 100;
      progressLabel.textContent = "100%";
    } else if (stats && stats.progress !== null) {
      const p = Math.max(0, Math.min(100, stats.progress));
      progress.value = p;
      progressLabel.textContent = `${Math.round(p)}%`;
    } else if (streaming) {
      progress.removeAttribute("value"); // indeterminate: it animates
      progressLabel.textContent = stats ? "Progress not reported." : "No progress reported yet.";
    } else {
      progress.value = 0; // nothing more will come: a still bar
      progressLabel.textContent = "No progress reported.";
    }
  }

  return {
    element,
    show(s) {
      timeline.replaceChildren();
      sample.replaceChildren();
      considered.textContent = "–";
      read.textContent = "–";
      stats = null;
      statsDirty = false;
      done = false;
      streaming = ACTIVE_STREAM.has(s.streamState.state);
      paintBar();
    },
    take(c) {
      if (c.kind === "status") {
        if (c.timeline) (frag ||= document.createDocumentFragment()).append(timelineItem(c.timeline));
        if (c.status === "completed" && c.run) done = true;
      } else if (c.kind === "stats") {
        stats = c.stats;
        statsDirty = true;
      } else if (c.kind === "stream") streaming = ACTIVE_STREAM.has(c.state.state);
      else return false;
      return true;
    },
    commit() {
      if (frag) timeline.append(frag);
      frag = null;
      paintBar();
      if (!statsDirty) return;
      statsDirty = false;
      considered.textContent = stats.considered === null ? "–" : stats.considered.toLocaleString();
      read.textContent = stats.read === null ? "–" : stats.read.toLocaleString();
      const items = document.createDocumentFragment();
      for (const url of stats.sample.slice(0, SAMPLE_MAX)) items.append(h("li", {}, [safeLink(url, url)]));
      sample.replaceChildren(items);
    },
  };
}
