import { createHash, createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { importPKCS8 } from "jose";
import * as oidc from "openid-client";

// Certificate client credentials (private_key_jwt, RFC 7523) as Microsoft Entra ID expects them: one
// PEM file with the private key and its certificate (the format of AZURE_CLIENT_CERTIFICATE_PATH), the
// client assertion signed with the key and carrying the certificate's thumbprints in `x5t` (SHA-1, what
// Entra looks the key up by) and `x5t#S256`.

export interface ClientCertificate {
  /** Where it came from, for messages. */
  path: string;
  alg: "RS256" | "PS256" | "ES256" | "ES384";
  /** The private key as PKCS#8 PEM (the file may hold PKCS#1 or SEC1). */
  pkcs8: string;
  x5t: string;
  x5tS256: string;
  /** The certificate's subject and expiry, logged at start. */
  subject: string;
  validTo: string;
}

/** Reads and checks the PEM at start-up; a bad file stops the process with a message naming `variable`. */
export function loadClientCertificate(path: string, variable: string): ClientCertificate {
  const fail = (why: string) => new Error(`Invalid configuration: ${variable}: ${why}`);
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw fail(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const certBlock = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  const keyBlock = pem.match(/-----BEGIN ((RSA |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/)?.[0];
  if (!certBlock)
    throw fail("the file holds no CERTIFICATE block (expected the key and its certificate in one PEM)");
  if (!keyBlock) throw fail("the file holds no unencrypted PRIVATE KEY block");
  let certificate: X509Certificate;
  let key: KeyObject;
  try {
    certificate = new X509Certificate(certBlock);
    key = createPrivateKey(keyBlock);
  } catch {
    throw fail("the certificate or the private key cannot be parsed");
  }
  if (!certificate.checkPrivateKey(key)) throw fail("the private key does not belong to the certificate");
  const der = certificate.raw;
  return {
    path,
    alg: algorithmOf(key, fail),
    pkcs8: key.export({ type: "pkcs8", format: "pem" }).toString(),
    x5t: createHash("sha1").update(der).digest("base64url"),
    x5tS256: createHash("sha256").update(der).digest("base64url"),
    subject: certificate.subject,
    validTo: certificate.validTo,
  };
}

function algorithmOf(key: KeyObject, fail: (why: string) => Error): ClientCertificate["alg"] {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "rsa-pss") return "PS256";
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return "ES256";
    if (curve === "secp384r1") return "ES384";
  }
  throw fail(`unsupported key type ${key.asymmetricKeyType ?? "unknown"} (use RSA, or EC P-256/P-384)`);
}

/** The openid-client authentication that signs each token request's client assertion with the key. */
export async function privateKeyJwtAuth(certificate: ClientCertificate): Promise<oidc.ClientAuth> {
  const key = await importPKCS8(certificate.pkcs8, certificate.alg);
  return oidc.PrivateKeyJwt(
    { key, kid: certificate.x5t },
    {
      [oidc.modifyAssertion]: (header) => {
        header.x5t = certificate.x5t;
        header["x5t#S256"] = certificate.x5tS256;
      },
    },
  );
}
