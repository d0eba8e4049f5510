import { decodeCursor } from "../../db/stores/cursor";
import { ApiError } from "../problem";

/** A 400 invalid_cursor for a `cursor` query that no page of this API handed out; nothing is read. */
export function requireValidCursor(cursor: string | undefined): void {
  if (cursor && !decodeCursor(cursor)) {
    throw new ApiError(400, "invalid_cursor", "Invalid cursor", "Pass the nextCursor of a previous page");
  }
}
