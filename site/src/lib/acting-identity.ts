import {
  ACTING_ASSERTION_HEADER,
  type ActingIdentity,
  signActingAssertion,
} from "../../../platform/acting-assertion";
import type { SiteLocals } from "./site-locals";

/**
 * The headers that make one API call act as `who`: a signed assertion valid for a minute, which the
 * API verifies and writes into the audit log. The one place the site's identity meets its API calls.
 */
export async function actingHeaders(
  locals: Pick<SiteLocals, "assertionKey">,
  who: ActingIdentity,
): Promise<Record<string, string>> {
  return { [ACTING_ASSERTION_HEADER]: await signActingAssertion(locals.assertionKey, who) };
}

export type { ActingIdentity };
