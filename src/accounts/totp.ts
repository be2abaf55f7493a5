import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

/**
 * Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, six
 * digits), as every authenticator app expects, through otplib. A code from
 * the step before or after is accepted, for clocks that drift; the step a
 * code belongs to is returned so the caller can refuse it, and every earlier
 * one, the next time (a code works once).
 */
const PERIOD_S = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The code for `at` (ms); for tests and for showing what an app should display. */
export function totpCode(secret: string, at = Date.now()): string {
  return generateSync({ secret, epoch: Math.floor(at / 1000), period: PERIOD_S });
}

/**
 * The time step of a valid code, or undefined. Codes for `afterStep` and
 * earlier steps are refused. Readers may type Arabic-Indic digits or spaces.
 */
export function acceptedTotpStep(
  secret: string,
  code: string,
  at = Date.now(),
  afterStep?: number,
): number | undefined {
  const digits = code
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\s+/g, '');
  if (!/^\d{6}$/.test(digits)) return undefined;
  try {
    const result = verifySync({
      secret,
      token: digits,
      epoch: Math.floor(at / 1000),
      period: PERIOD_S,
      epochTolerance: PERIOD_S,
      ...(afterStep === undefined || afterStep === null ? {} : { afterTimeStep: afterStep }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    return undefined; // a secret that is not Base32 matches nothing
  }
}

export function otpauthUri(secret: string, account: string, issuer: string): string {
  return generateURI({ secret, label: account, issuer, algorithm: 'sha1', digits: 6, period: PERIOD_S });
}
