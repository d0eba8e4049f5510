// Its own file so the sign-in routes can name it without loading openid-client (site/auth/oidc-rp.ts).

/** Why a callback was refused; shown to the person and logged, never the library's message. */
export class SignInError extends Error {
  constructor(
    readonly code:
      | "state_mismatch"
      | "provider_refused"
      | "code_rejected"
      | "id_token_invalid"
      | "provider_unreachable",
    message: string,
  ) {
    super(message);
    this.name = "SignInError";
  }
}
