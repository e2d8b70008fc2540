// What went wrong, in the person's words, and whether trying again later may help.
import type { CombinedError } from '@urql/core';
import { errorText, type ErrorCode } from './texts';

export type Failure = {
  code: string;
  /** Swedish, saying what to do. */
  text: string;
  /** Not final (offline, a service away, a timeout, an expired session): the same request
   * may succeed later, so a phone keeps it and sends it again. */
  retryable: boolean;
  extensions: Record<string, unknown>;
  /** The server's own words (English), for matching a known reason; never shown. */
  message: string;
};

// Codes that say "not this" rather than "not now": sending the same again cannot change the
// answer. Every other code (and a network failure) may be retried as it is.
const FINAL = new Set(['BAD_USER_INPUT', 'CONFLICT', 'NOT_FOUND', 'FORBIDDEN']);

// The server's reasons are English; the ones a person can meet on a phone are said in Swedish.
const REASONS: [RegExp, string][] = [
  [/a note is required/i, 'En avvikande signering behöver en anteckning. Skriv vad som hände.'],
  [/note is longer than (\d+)/i, 'Anteckningen är för lång (högst $1 tecken). Korta den.'],
  [/performedAt is more than .* (before|after) the server time/i, 'Tiden för utförandet ligger för långt från nu för att godtas. Kontakta SoL-administratören.'],
  [/already signed/i, 'Insatsen är redan signerad.'],
  [/cancelled/i, 'Insatsen är inställd och kan inte signeras. Ladda om listan.'],
  [/intervention is not active/i, 'Insatsen är inte aktiv längre. Ladda om listan.'],
  [/idempotency key was already used/i, 'Signeringen krockade med en tidigare. Ladda om listan och signera igen.'],
  [/already annulled|signature is annulled/i, 'Signeringen är redan ångrad.'],
  [/signer may annul within/i, 'Det är för sent att ångra själv. Be SoL-administratören ångra signeringen.'],
  [/only the signer or a SoL administrator/i, 'Bara den som signerade eller en SoL-administratör kan ångra signeringen.'],
  [/reason is required/i, 'Skriv en anledning.'],
  [/reason is longer than (\d+)/i, 'Anledningen är för lång (högst $1 tecken). Korta den.'],
  // The admin web's: follow-up, care recipients and interventions, users and role orders.
  [/acknowledged the alarm a moment ago|alarm is already acknowledged/i, 'Larmet är redan kvitterat. Ladda om sidan.'],
  [/needs a linked deviation report/i, 'Skriv avvikelsen först; sedan kan larmet kvitteras med utfallet Avvikelse skriven.'],
  [/OTHER needs a comment/i, 'Skriv en kommentar: utfallet Annat behöver en.'],
  [/already has a deviation report/i, 'Larmet har redan en avvikelse. Ladda om sidan.'],
  [/already been assessed/i, 'Avvikelsen är redan bedömd. Ladda om sidan.'],
  [/'to' is before 'from'|valid-to is before valid-from/i, 'Slutdatumet ligger före startdatumet. Rätta datumen.'],
  [/covers at most (\d+) days/i, 'En rapport omfattar högst $1 dagar. Välj en kortare period.'],
  [/overlaps the next one/i, 'Tidsramarna går in i varandra. Korta tidsramen eller flytta en starttid.'],
  [/at most (\d+) windows a day/i, 'Högst $1 starttider om dagen.'],
  [/is given twice/i, 'Samma starttid finns två gånger. Ta bort den ena.'],
  [/window length must be/i, 'Tidsramens längd ska vara 1–1439 minuter.'],
  [/has moved out: no new/i, 'Hyresgästen har flyttat ut. Inget nytt kan läggas till.'],
  [/already moved out/i, 'Hyresgästen har redan flyttat ut.'],
  [/confirms plan anchoring/i, 'Bara en SoL-administratör i enheten bekräftar förankringen.'],
  [/already waiting for approval/i, 'En beställning för personen väntar redan på beslut.'],
  [/already has this role/i, 'Personen har redan rollen i enheten.'],
  [/does not have this role/i, 'Personen har inte rollen i enheten.'],
  [/the order is already/i, 'Beställningen är redan beslutad. Ladda om sidan.'],
  [/username is taken/i, 'Användarnamnet är upptaget. Välj ett annat.'],
  [/not a valid e-mail address/i, 'E-postadressen är inte giltig. Rätta den.'],
  [/unit roles need a unit/i, 'Välj vilken enhet rollerna gäller.'],
  [/cannot deactivate yourself/i, 'Du kan inte stänga av dig själv.'],
  [/not an IANA time zone/i, 'Tidszonen finns inte. Välj en i listan.'],
];

function knownCode(code: string): code is ErrorCode {
  return code in errorText;
}

/** The Swedish text for a server error: its reason when known, else what its code means. */
export function reasonText(code: string, message = ''): string {
  if (code === 'BAD_USER_INPUT' || code === 'CONFLICT' || code === 'FORBIDDEN') {
    for (const [pattern, text] of REASONS) {
      if (pattern.test(message)) return text.replace('$1', message.match(pattern)?.[1] ?? '');
    }
  }
  return knownCode(code) ? errorText[code] : errorText.INTERNAL_SERVER_ERROR;
}

export function failure(code: string, message = '', extensions: Record<string, unknown> = {}): Failure {
  return { code, text: reasonText(code, message), retryable: !FINAL.has(code), extensions, message };
}

/** The failure an urql result carries: the first GraphQL error's code, or a network failure. */
export function failureOf(error: CombinedError): Failure {
  const first = error.graphQLErrors[0];
  if (first) {
    const extensions = (first.extensions ?? {}) as Record<string, unknown>;
    return failure(String(extensions.code ?? 'INTERNAL_SERVER_ERROR'), first.message, extensions);
  }
  return failure('NETWORK', error.networkError?.message ?? '');
}
