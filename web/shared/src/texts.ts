// Every word the apps show, in Swedish, in one typed place. The routine's own words are used
// exactly (WEB.md): Utförd, Ej utförd, Ej hemma, Erbjuden tackat nej; Utebliven, Utanför
// tidsram, Avvikande; Kvittera; Avvikelse.
import type { AlarmKind, Role, SignatureTiming, SigningStatus } from './gql/graphql';

export const statusText: Record<SigningStatus, string> = {
  DONE: 'Utförd',
  NOT_DONE: 'Ej utförd',
  NOT_HOME: 'Ej hemma',
  DECLINED: 'Erbjuden tackat nej',
};

export const timingText: Record<SignatureTiming, string> = {
  ON_TIME: 'i tid',
  EARLY: 'för tidigt',
  LATE: 'för sent',
};

export const alarmKindText: Record<AlarmKind, string> = {
  MISSED: 'Utebliven',
  OUTSIDE_WINDOW: 'Utanför tidsram',
  DEVIATING: 'Avvikande',
};

export const roleText: Record<Role, string> = {
  CARE_STAFF: 'Omvårdnadspersonal',
  SOL_ADMIN: 'SoL-administratör',
  UNIT_MANAGER: 'Enhetschef',
  SYSTEM_ADMIN: 'Systemförvaltare',
};

/** What a server error code means to the person, and what to do about it. */
export const errorText = {
  BAD_USER_INPUT: 'Uppgifterna godtogs inte. Rätta och försök igen.',
  CONFLICT: 'Någon annan hann före. Ladda om listan och se vad som gäller nu.',
  FORBIDDEN: 'Du har inte behörighet till detta. Fråga din enhetschef om du behöver det.',
  NOT_FOUND: 'Det finns inte längre. Ladda om listan.',
  UNAUTHENTICATED: 'Du behöver logga in igen.',
  SERVICE_UNAVAILABLE: 'Tjänsten svarar inte just nu. Det görs ett nytt försök om en stund.',
  RATE_LIMITED: 'För många inloggningsförsök från den här enheten. Vänta en minut och försök igen.',
  NETWORK: 'Ingen kontakt med servern. Kontrollera nätverket; det görs ett nytt försök om en stund.',
  INTERNAL_SERVER_ERROR: 'Något gick fel i systemet. Försök igen; hjälper det inte, kontakta systemförvaltaren.',
} as const;

export type ErrorCode = keyof typeof errorText;

export const texts = {
  appName: 'Signa',
  loading: 'Laddar …',
  retry: 'Försök igen',
  close: 'Stäng',
  cancel: 'Avbryt',
  save: 'Spara',
  signIn: {
    title: 'Logga in',
    username: 'Användarnamn',
    password: 'Lösenord',
    submit: 'Logga in',
    busy: 'Loggar in …',
    wrong: 'Fel användarnamn eller lösenord. Kontrollera och försök igen.',
    lockedOut: (minutes: number) =>
      `Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen om ${minutes} ${minutes === 1 ? 'minut' : 'minuter'}.`,
    expired: 'Din inloggning har gått ut. Logga in igen; inget du signerat går förlorat.',
    signedOut: 'Du är utloggad.',
    missing: 'Fyll i användarnamn och lösenord.',
    offline: 'Ingen kontakt med servern. Du kan logga in när nätverket fungerar.',
  },
  activate: {
    title: 'Välj lösenord',
    intro: 'Välkommen till Signa. Välj ett lösenord för ditt konto.',
    password: 'Nytt lösenord',
    repeat: 'Upprepa lösenordet',
    submit: 'Spara lösenord och logga in',
    busy: 'Sparar …',
    rulesTitle: 'Lösenordet ska',
    rules: [
      'ha minst 12 tecken (högst 256)',
      'inte innehålla ditt användarnamn',
      'inte vara ett vanligt lösenord, som "password123"',
    ],
    tooShort: 'Lösenordet behöver minst 12 tecken.',
    tooLong: 'Lösenordet får ha högst 256 tecken.',
    mismatch: 'Lösenorden är inte lika. Skriv samma lösenord i båda fälten.',
    containsUsername: 'Lösenordet får inte innehålla ditt användarnamn. Välj ett annat.',
    common: 'Lösenordet är för vanligt. Välj ett annat.',
    badLink:
      'Aktiveringslänken är ogiltig, redan använd eller för gammal. Be systemförvaltaren skicka en ny.',
    noToken: 'Länken saknar sin kod. Öppna länken i e-postmeddelandet igen, hela länken.',
  },
  signOut: {
    button: 'Logga ut',
    queuedWarning: (n: number) =>
      `${n} ${n === 1 ? 'signering har' : 'signeringar har'} inte skickats än. De sparas på telefonen och skickas när du loggar in igen. Logga ut ändå?`,
    confirm: 'Logga ut ändå',
  },
  noUnit: 'Du har ingen behörighet i någon enhet. Kontakta din enhetschef.',
  chooseUnit: 'Välj enhet',
} as const;
