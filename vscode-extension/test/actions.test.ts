import * as assert from "node:assert/strict";
import { pickMoveAll } from "../src/core/actions";

const noqa = { title: "Ignore DG001 on this line", kind: "quickfix" };
const docs = { title: "Show documentation for DG001", kind: "quickfix" };

describe("choosing the move-all code action", () => {
  it("prefers a move-all under refactor.move.ddlguard", () => {
    const quick = { title: "Move all data operations in this file to scripts/sql", kind: "quickfix" };
    const refactor = { title: "Move all data operations in this file to scripts/sql", kind: "refactor.move.ddlguard" };
    assert.equal(pickMoveAll([noqa, quick, refactor]), refactor);
  });

  it("accepts a move-all offered as a quickfix on each diagnostic", () => {
    const one = { title: "Move UPDATE on users to scripts/sql", kind: "quickfix" };
    const two = { title: "Move INSERT on plans to scripts/sql", kind: "quickfix" };
    const all = { title: "Move all data operations in this file to scripts/sql", kind: "quickfix" };
    assert.equal(pickMoveAll([one, all, noqa, two, { ...all }, docs]), all);
  });

  it("uses the single move when the file has one movable operation", () => {
    const one = { title: "Move UPDATE on users to scripts/sql", kind: "quickfix" };
    assert.equal(pickMoveAll([one, noqa, docs]), one);
  });

  it("refuses to pick one of several per-finding moves", () => {
    const one = { title: "Move UPDATE on users to scripts/sql", kind: "quickfix" };
    const two = { title: "Move INSERT on plans to scripts/sql", kind: "quickfix" };
    assert.equal(pickMoveAll([one, two]), undefined);
  });

  it("ignores disabled moves and unrelated actions", () => {
    const disabled = {
      title: "Move all data operations in this file to scripts/sql",
      kind: "refactor.move.ddlguard",
      disabled: { reason: "x" },
    };
    assert.equal(pickMoveAll([disabled, noqa, docs]), undefined);
    assert.equal(pickMoveAll([]), undefined);
  });
});
