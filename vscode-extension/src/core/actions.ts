/**
 * Choosing the server's "move all" code action for "ddlguard: Move All Data Operations in This
 * File". The server may list it under `refactor.move.ddlguard` or as a `quickfix` repeated on
 * each diagnostic; with a single movable finding it may only offer the per-finding move. Pure,
 * so the choice is unit-tested.
 */

export const MOVE_KIND = "refactor.move.ddlguard";

export interface ActionLike {
  title: string;
  kind?: string;
  disabled?: { reason: string };
}

const MOVE_TITLE = /^Move\b.*\bscripts\/sql/i;
const ALL_TITLE = /^Move all\b/i;

function isMoveKind(kind: string | undefined): boolean {
  return kind === MOVE_KIND || (kind?.startsWith(`${MOVE_KIND}.`) ?? false);
}

function isMove(action: ActionLike): boolean {
  return isMoveKind(action.kind) || MOVE_TITLE.test(action.title);
}

/** The action that moves every data operation of the file, or undefined when there is none. */
export function pickMoveAll<T extends ActionLike>(actions: readonly T[]): T | undefined {
  const moves = actions.filter((a) => isMove(a) && !a.disabled);
  const all = moves.filter((a) => ALL_TITLE.test(a.title));
  const preferred = all.find((a) => isMoveKind(a.kind)) ?? all[0];
  if (preferred) {
    return preferred;
  }
  // A file with one movable operation: its own move is "all of them".
  const distinct = new Set(moves.map((a) => a.title));
  return distinct.size === 1 ? moves[0] : undefined;
}
