import nodemailer, { type Transporter } from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Sends email over SMTP (`SMTP_URL`, e.g. `smtp://user:pass@mail.example:587`), or does nothing when unset. */
export interface Mailer {
  readonly configured: boolean;
  send(mail: OutgoingMail): Promise<void>;
}

/** How long a mail waits for the SMTP server: to connect, for its greeting, and for any answer after that. */
export const SMTP_TIMEOUTS = { connectMs: 10_000, greetingMs: 10_000, idleMs: 30_000 };

export function createMailer(smtpUrl: string | undefined, from: string, timeouts = SMTP_TIMEOUTS): Mailer {
  if (!smtpUrl) return { configured: false, send: async () => {} };
  // A stalled mail server must not hold mail jobs (or a shutdown) for nodemailer's defaults of minutes.
  const transport: Transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.idleMs,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    configured: true,
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
  };
}
