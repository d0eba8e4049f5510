import { execFileSync } from "node:child_process";
import { createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClientCertificate } from "../../site/auth/client-certificate";
import { SESSION_COOKIE } from "../../site/auth/session";
import { TEST_CERT_CLIENT_ID } from "../support/oidc-provider";
import { type ProductionSite, startProductionSite } from "../support/production-site";
import { createAgent } from "../support/sign-in-agent";

// Certificate client credentials (private_key_jwt), the way Entra ID takes them: a PEM holding the key
// and its certificate, the assertion carrying the certificate's thumbprint. The provider is the real
// oidc-provider, which verifies the assertion's signature against the client's registered key.

const dir = mkdtempSync(join(tmpdir(), "cloudops-cert-"));

/** A self-signed certificate and its key made by openssl (on every machine this runs on). */
function makeCertificate(name: string, keyArgs: string[] = ["-newkey", "rsa:2048"]) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      ...keyArgs,
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    ],
    {
      stdio: "ignore",
    },
  );
  const combined = join(dir, `${name}.pem`);
  writeFileSync(combined, readFileSync(key, "utf8") + readFileSync(cert, "utf8"));
  return { key, cert, combined, certPem: readFileSync(cert, "utf8") };
}

/** SHA-1 thumbprint as Entra's `x5t`, from openssl-independent node fingerprint text. */
function thumbprint(certPem: string): string {
  const hex = new X509Certificate(certPem).fingerprint.replaceAll(":", "");
  return Buffer.from(hex, "hex").toString("base64url");
}

const signer = makeCertificate("cloudops-dashboard");
const stranger = makeCertificate("someone-else");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loading the client certificate", () => {
  const variable = "OIDC_CLIENT_CERTIFICATE_PATH";

  it("reads key and certificate from one PEM and derives the thumbprints", () => {
    const loaded = loadClientCertificate(signer.combined, variable);
    expect(loaded.alg).toBe("RS256");
    expect(loaded.x5t).toBe(thumbprint(signer.certPem));
    expect(loaded.x5tS256).toMatch(/^[\w-]{43}$/);
    expect(loaded.pkcs8).toContain("BEGIN PRIVATE KEY");
  });

  it("signs with ES256 for an EC P-256 key", () => {
    const ec = makeCertificate("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    expect(loadClientCertificate(ec.combined, variable).alg).toBe("ES256");
  });

  it("refuses a missing file, a file without a certificate and a key of another certificate, naming the variable", () => {
    expect(() => loadClientCertificate(join(dir, "absent.pem"), variable)).toThrow(
      /OIDC_CLIENT_CERTIFICATE_PATH: cannot read .*absent\.pem \(ENOENT\)/,
    );
    expect(() => loadClientCertificate(signer.key, variable)).toThrow(
      /OIDC_CLIENT_CERTIFICATE_PATH: .*no CERTIFICATE/,
    );
    const mismatched = join(dir, "mismatched.pem");
    writeFileSync(mismatched, readFileSync(stranger.key, "utf8") + signer.certPem);
    expect(() => loadClientCertificate(mismatched, variable)).toThrow(/does not belong to the certificate/);
  });
});

describe("dashboard sign-in with certificate credentials (private_key_jwt)", () => {
  let prod: ProductionSite;
  beforeAll(async () => {
    const x5t = thumbprint(signer.certPem);
    const jwk = {
      ...createPublicKey(signer.certPem).export({ format: "jwk" }),
      kid: x5t,
      alg: "RS256",
      use: "sig",
    };
    prod = await startProductionSite(
      {
        OIDC_CLIENT_ID: TEST_CERT_CLIENT_ID,
        OIDC_CLIENT_SECRET: "",
        OIDC_CLIENT_CERTIFICATE_PATH: signer.combined,
      },
      { certificateClientJwk: jwk },
    );
  }, 180_000);
  afterAll(async () => {
    await prod?.stop();
  });

  it("signs in, the provider having verified an assertion that names the certificate by its thumbprint", async () => {
    const agent = createAgent();
    const end = await agent.follow(`${prod.url}/auth/login`, { login: "olga" });
    expect(end.url.href).toBe(`${prod.url}/`);
    expect(end.body).toContain("Olga Operator · operator");
    expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeDefined();

    expect(prod.idp.clientAssertionHeaders).toHaveLength(1);
    expect(prod.idp.clientAssertionHeaders[0]).toMatchObject({
      alg: "RS256",
      x5t: thumbprint(signer.certPem),
      "x5t#S256": loadClientCertificate(signer.combined, "x").x5tS256,
    });
  });
});
