// A task group's state: runs from add-runs answers and the runs stream, statuses from the group's
// events, change records; plus naming a group (ids, links) and the recent-groups list.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createGroupStore } from "../../public/tasks-sse/js/group-store.js";
import { groupIdFromHash, hashForGroup, isGroupId, parseGroupRef } from "../../public/tasks-sse/js/group-ref.js";
import { MAX_RECENT, RECENT_GROUPS_KEY, createRecentGroups } from "../../public/tasks-sse/js/group-recent.js";
import {
  addRuns,
  createGroup,
  groupEventsUrl,
  groupRunsUrl,
  readGroupRuns,
} from "../../public/tasks-sse/js/group-api.js";
import { ApiError } from "../../public/tasks-sse/js/api.js";
import { memoryStorage } from "./support/memory-storage.js";

const GID = `tgrp_${"ab".repeat(24)}`;
const ev = (obj) => ({ type: obj.type, data: JSON.stringify(obj), lastEventId: "" });
const run = (id, status, extra = {}) => ({ run_id: id, status, is_active: status === "running", ...extra });

test("runs added keep group order and their inputs; events move statuses; changes are emitted", () => {
  const store = createGroupStore(GID);
  const seen = [];
  store.subscribe((c) => seen.push(...c));
  store.addRuns(["trun_a", "trun_b"], [{ q: "one" }, "two"], [2, 3]);
  assert.deepEqual(seen, [{ kind: "rows", from: 0 }]);
  assert.equal(store.rowAt(0).preview, '{"q":"one"}');
  assert.equal(store.rowAt(1).preview, "two");
  assert.equal(store.rowAt(1).line, 3);
  assert.equal(store.summary().counts.queued, 2);

  store.applyEvent(ev({ type: "task_run.state", event_id: "c1", run: run("trun_b", "completed") }));
  assert.equal(store.rowAt(1).status, "completed");
  assert.deepEqual(seen.at(-1), { kind: "run", index: 1 });
  assert.equal(store.lastEventId, "c1");

  store.applyEvent(
    ev({
      type: "task_group_status",
      event_id: "c2",
      status: {
        num_task_runs: 2,
        task_run_status_counts: { running: 1, completed: 1, bogus: -1 },
        is_active: true,
        status_message: "1 of 2",
      },
    }),
  );
  const s = store.summary();
  assert.deepEqual(s.counts, { running: 1, completed: 1 });
  assert.equal(s.total, 2);
  assert.equal(s.finished, 1);
  assert.equal(s.isActive, true);
  assert.equal(store.lastEventId, "c2");
});

test("a finished run never goes back to an active status; unknown runs are appended", () => {
  const store = createGroupStore(GID);
  store.applyRunStates([
    { run: run("trun_a", "completed"), input: { input: { q: 1 }, processor: "lite" } },
    { run: run("trun_b", "running", { error: { message: "slow" } }) },
  ]);
  assert.equal(store.rowCount, 2);
  assert.equal(store.rowAt(0).preview, '{"q":1}'); // the TaskRunInput's input, not the whole body
  store.applyEvent(ev({ type: "task_run.state", run: run("trun_a", "running") }));
  assert.equal(store.rowAt(0).status, "completed");
  assert.equal(store.rowAt(1).error, "slow");
  assert.deepEqual(store.indexesWithStatus("running"), [1]);
  assert.deepEqual(store.indexesWithStatus(""), [0, 1]);
});

test("events that are not JSON or lack a run are ignored; an error event is a change", () => {
  const store = createGroupStore(GID);
  const seen = [];
  store.subscribe((c) => seen.push(...c));
  store.applyEvent({ type: "x", data: "{not json" });
  store.applyEvent(ev({ type: "task_run.state", run: { status: "completed" } }));
  store.applyEvent(ev({ type: "task_group_status", status: "nope" }));
  assert.deepEqual(seen, []);
  store.applyEvent(ev({ type: "error", error: { message: "boom" } }));
  assert.deepEqual(seen, [{ kind: "error", message: "boom" }]);
});

test("group refs: ids, #group= links, URLs; run links are not groups", () => {
  assert.ok(isGroupId(GID));
  assert.ok(!isGroupId("tgrp_"));
  assert.ok(!isGroupId(`${GID}/x`));
  assert.equal(parseGroupRef(` ${GID} `), GID);
  assert.equal(parseGroupRef(`https://h/tasks-sse/#group=${GID}`), GID);
  assert.equal(parseGroupRef(`https://api/v1/tasks/groups/${GID}/events`), GID);
  assert.equal(parseGroupRef(`https://api/v1/tasks/groups/${GID}/runs/trun_abc`), null);
  assert.equal(parseGroupRef("trun_abc"), null);
  assert.equal(parseGroupRef("x".repeat(3000)), null);
  assert.equal(groupIdFromHash(`#group=${GID}`), GID);
  assert.equal(groupIdFromHash("#group=<script>"), null);
  assert.equal(groupIdFromHash("#run=trun_x"), null);
  assert.equal(hashForGroup(GID), `#group=${GID}`);
});

test("recent groups: newest first, bounded, persisted", () => {
  const storage = memoryStorage();
  const r = createRecentGroups(storage);
  assert.deepEqual(r.load(), { notice: "" });
  for (let i = 0; i < MAX_RECENT + 5; i++) r.add({ id: `tgrp_${i}`, runs: i, label: `g${i}` });
  r.add({ id: "tgrp_10", runs: 99 });
  const list = r.list();
  assert.equal(list.length, MAX_RECENT);
  assert.equal(list[0].id, "tgrp_10");
  assert.equal(list[1].id, `tgrp_${MAX_RECENT + 4}`);
  assert.equal(list[0].label, "g10"); // merged with what was known
  assert.equal(list[0].runs, 99);
  const again = createRecentGroups(storage);
  again.load();
  assert.deepEqual(again.list(), list);
});

test("recent groups: clear() forgets every group, in storage too", () => {
  const storage = memoryStorage({});
  const r = createRecentGroups(storage);
  r.load();
  r.add({ id: "tgrp_a1", runs: 1 });
  assert.notEqual(storage.getItem(RECENT_GROUPS_KEY), null);
  r.clear();
  assert.deepEqual(r.list(), []);
  assert.equal(storage.getItem(RECENT_GROUPS_KEY), null);
  const again = createRecentGroups(storage);
  again.load();
  assert.deepEqual(again.list(), []);
});

test("recent groups: corrupt storage is reported and reset, bad entries dropped, never thrown", () => {
  const storage = memoryStorage({ [RECENT_GROUPS_KEY]: "{not json" });
  const r = createRecentGroups(storage);
  assert.match(r.load().notice, /could not be read/);
  assert.deepEqual(r.list(), []);
  storage.setItem(
    RECENT_GROUPS_KEY,
    JSON.stringify({ version: 1, groups: [{ id: "tgrp_ok", runs: 2 }, { id: "<img>" }, null, { id: "tgrp_ok" }] }),
  );
  const r2 = createRecentGroups(storage);
  assert.match(r2.load().notice, /3 unreadable entries/);
  assert.deepEqual(
    r2.list().map((e) => e.id),
    ["tgrp_ok"],
  );
  const throwing = {
    getItem() {
      throw new Error("denied");
    },
    setItem() {
      throw new Error("denied");
    },
  };
  const r3 = createRecentGroups(throwing);
  assert.match(r3.load().notice, /does not let/);
  r3.add({ id: "tgrp_x" }); // kept in memory only
  assert.equal(r3.list().length, 1);
  assert.deepEqual(createRecentGroups(null).load(), { notice: "" });
});

function fakeFetch(handler) {
  const calls = [];
  const impl = async (url, init = {}) => {
    calls.push({ url, init });
    return handler(url, init, calls.length);
  };
  return { impl, calls };
}

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

test("group API: paths, key header, default task spec, batch bound, errors in Parallel's shape", async () => {
  const f = fakeFetch((url) =>
    url.endsWith("/groups")
      ? json(200, { taskgroup_id: GID, status: {} })
      : json(422, { type: "error", error: { ref_id: "r1", message: "inputs: bad", detail: null } }),
  );
  const g = await createGroup({ apiBase: "/api", apiKey: "k", fetchImpl: f.impl });
  assert.equal(g.taskgroup_id, GID);
  assert.equal(f.calls[0].url, "/api/v1/tasks/groups");
  assert.equal(f.calls[0].init.method, "POST");
  assert.equal(f.calls[0].init.headers["x-api-key"], "k");
  await assert.rejects(
    addRuns({
      apiBase: "/api",
      apiKey: "k",
      groupId: GID,
      inputs: [{ input: "x", processor: "lite" }],
      defaultTaskSpec: { output_schema: { type: "auto" } },
      beta: "events-sse-2025-07-24",
      fetchImpl: f.impl,
    }),
    (e) => e instanceof ApiError && e.status === 422 && e.refId === "r1" && e.message === "inputs: bad",
  );
  const call = f.calls[1];
  assert.equal(call.url, `/api/v1/tasks/groups/${GID}/runs?refresh_status=false`);
  assert.equal(call.init.headers["parallel-beta"], "events-sse-2025-07-24");
  assert.deepEqual(JSON.parse(call.init.body).default_task_spec, { output_schema: { type: "auto" } });
  assert.throws(() => addRuns({ apiBase: "", groupId: GID, inputs: new Array(1001).fill({}) }), RangeError);
  assert.equal(groupEventsUrl("/api", GID, "0001-2-3"), `/api/v1/tasks/groups/${GID}/events?last_event_id=0001-2-3`);
  assert.equal(
    groupRunsUrl("/api", GID, { includeInput: true, includeOutput: true }),
    `/api/v1/tasks/groups/${GID}/runs?include_input=true&include_output=true`,
  );
});

test("readGroupRuns reads every run and resumes after the last cursor when the connection drops", async () => {
  const frame = (i) =>
    `event: task_run.state\ndata: ${JSON.stringify({ type: "task_run.state", event_id: String(i), run: run(`trun_${i}`, "completed"), input: null, output: null })}\n\n`;
  const f = fakeFetch((url, init, n) => {
    if (n === 1) {
      // Two events, then the connection breaks.
      let pulls = 0;
      const body = new ReadableStream({
        pull(c) {
          pulls += 1;
          if (pulls === 1) c.enqueue(new TextEncoder().encode(frame(0) + frame(1)));
          else c.error(new Error("reset"));
        },
      });
      return new Response(body, { status: 200 });
    }
    return new Response(frame(2) + frame(3), { status: 200 });
  });
  const seen = [];
  const { runs, errors } = await readGroupRuns({
    apiBase: "/api",
    apiKey: "k",
    groupId: GID,
    includeOutput: true,
    onRun: (e) => seen.push(e.run.run_id),
    fetchImpl: f.impl,
  });
  assert.deepEqual(seen, ["trun_0", "trun_1", "trun_2", "trun_3"]);
  assert.equal(runs.length, 4);
  assert.deepEqual(errors, []);
  assert.match(f.calls[1].url, /last_event_id=1$/);
  assert.match(f.calls[1].url, /include_output=true/);
});
