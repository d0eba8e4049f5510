import { createRequire } from "node:module";
import type { MailService } from "@sendgrid/mail";
import { delivered, failureFor, networkFailure, parseRetryAfter, type SendResult } from "./send-result";

export interface EmailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface EmailSender {
  readonly kind: "sendgrid" | "console";
  send(message: EmailMessage): Promise<SendResult>;
}

/** Email through SendGrid's v3 mail send API, from `from`. The API key never leaves the client. */
export function createSendGridSender(options: {
  apiKey: string;
  from: string;
  timeoutMs?: number;
}): EmailSender {
  // Required here, not imported at the top: the SendGrid client (and axios under it) loads only in a
  // process that sends email through SendGrid, not in every start.
  const { MailService: Service } = createRequire(import.meta.url)("@sendgrid/mail") as {
    MailService: new () => MailService;
  };
  const mail = new Service();
  mail.setApiKey(options.apiKey);
  mail.setTimeout(options.timeoutMs ?? 10_000);
  return {
    kind: "sendgrid",
    async send(message) {
      try {
        await mail.send({
          to: message.to,
          from: options.from,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
        return delivered;
      } catch (error) {
        const status = (error as { code?: unknown }).code;
        const response = (error as { response?: { headers?: Record<string, string> } }).response;
        if (typeof status === "number" && response) {
          return failureFor(status, "SendGrid", parseRetryAfter(response.headers?.["retry-after"]));
        }
        return networkFailure(error, "SendGrid");
      }
    },
  };
}

/** The demo default: prints a readable summary of each email instead of sending it. */
export function createConsoleEmailSink(
  write: (text: string) => void = (t) => process.stdout.write(t),
): EmailSender {
  return {
    kind: "console",
    async send(message) {
      const rule = "-".repeat(72);
      write(
        [
          `${rule}`,
          "Email (console sink; set SENDGRID_API_KEY to send real email)",
          `To:      ${message.to.join(", ")}`,
          `Subject: ${message.subject}`,
          "",
          message.text.trimEnd(),
          `${rule}`,
          "",
        ].join("\n"),
      );
      return delivered;
    },
  };
}

/** SendGrid when an API key is configured, else the console sink. */
export function createEmailSender(options: {
  sendgridApiKey: string | undefined;
  from: string;
  write?: (text: string) => void;
}): EmailSender {
  return options.sendgridApiKey
    ? createSendGridSender({ apiKey: options.sendgridApiKey, from: options.from })
    : createConsoleEmailSink(options.write);
}
