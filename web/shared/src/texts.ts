// Every word the apps show, in Swedish, in one typed place. The routine's own words are used
// exactly (WEB.md): Utförd, Ej utförd, Ej hemma, Erbjuden tackat nej; Utebliven, Utanför
// tidsram, Avvikande; Kvittera; Avvikelse.
import type { AlarmKind, SignatureTiming, SigningStatus } from './gql/graphql';

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
    length: (n: number) => `${n} tecken (minst 12)`,
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
  toAdmin: 'Systemförvaltare, SoL-administratörer och enhetschefer: till administrationen',
  admin: {
    title: 'Signa – administration',
    comingSoon: 'Översikten för SoL-administratörer, enhetschefer och systemförvaltare byggs just nu.',
    toPhone: 'Till signeringen (mobilen)',
  },
  phone: {
    navigation: 'Huvudmeny',
    tabs: {
      today: 'Dagens insatser',
      prn: 'Vid behov',
      alarms: 'Larm',
      alarmsWithCount: (n: number) => `Larm (${n})`,
    },
    switchUnit: 'Byt enhet',
    offline: 'Ingen nätverksanslutning. Du kan signera ändå; det skickas när nätverket är tillbaka.',
    days: { yesterday: 'Igår', today: 'Idag', tomorrow: 'Imorgon' },
    dayHeading: (day: string) => `Insatser ${day}`,
    dayChoice: 'Välj dag',
    stale: (time: string, age: string) => `Visar listan från kl ${time} (${age}). Den uppdateras när servern svarar.`,
    emptyDay: 'Inga insatser den här dagen.',
    instructions: 'Instruktioner',
    noInstructions: 'Inga instruktioner.',
    window: 'Tid',
    sign: 'Signera',
    state: {
      upcoming: 'Kommande',
      ongoing: 'Pågår',
      overdue: 'Försenad, inte signerad',
      waiting: 'Väntar på att skickas',
      signed: (status: string, timing: string | null) => (timing ? `Signerad: ${status}, ${timing}` : `Signerad: ${status}`),
      conflict: (who: string, when: string) =>
        who ? `Redan signerad av ${who} kl ${when}. Din signering sparades inte.` : 'Redan signerad av någon annan. Din signering sparades inte.',
      refused: (reason: string) => `Inte godkänd: ${reason}`,
    },
    signedBy: (who: string, when: string) => `${who} kl ${when}`,
    seen: 'Jag har sett det',
    signAgain: 'Signera igen',
    queued: (n: number) => `${n} ${n === 1 ? 'signering väntar' : 'signeringar väntar'} på att skickas.`,
    sendNow: 'Skicka nu',
    sheet: {
      title: (title: string) => `Signera: ${title}`,
      choose: 'Vad blev det?',
      note: 'Anteckning (krävs)',
      noteHint: 'Skriv kort vad som hände. Inga personnummer.',
      noteMissing: 'Skriv en anteckning: en avvikande signering behöver en.',
      noteTooLong: (max: number) => `Anteckningen är för lång, högst ${max} tecken. Korta den; texten finns kvar.`,
      submit: (status: string) => `Signera ${status}`,
      back: 'Tillbaka',
    },
    documentReminder: 'Kom ihåg: dokumentera avvikelsen i verksamhetssystemet.',
    documented: 'Dokumenterat',
    documentedDone: 'Dokumenterad i verksamhetssystemet.',
    documentWhenSent: 'Du kan markera den som dokumenterad när signeringen har skickats.',
    annul: {
      button: 'Ångra signering',
      title: 'Ångra signeringen',
      reason: 'Varför ångras den? (krävs)',
      submit: 'Ångra signeringen',
      missing: 'Skriv varför signeringen ångras.',
      needsNetwork: 'Det går bara att ångra med nätverk. Försök igen när du har anslutning.',
    },
    prn: {
      heading: 'Vid behov',
      intro: 'Insatser som ges vid behov. Signera när du har gett insatsen.',
      none: 'Inga vid behov-insatser i enheten.',
      sign: (title: string) => `Signera ${title}`,
      lastSigned: (status: string, when: string) => `Senast: ${status} kl ${when}`,
    },
    alarms: {
      heading: 'Öppna larm',
      intro: 'Larm i enheten som väntar på uppföljning. SoL-administratören kvitterar dem.',
      none: 'Inga öppna larm.',
      missed: 'Inte signerad i tid',
      signedOutside: (status: string, when: string) => `Signerad ${status} kl ${when}, utanför tidsramen`,
      deviating: (status: string, who: string) => `Signerad ${status}${who ? ` av ${who}` : ''}`,
      raised: (when: string) => `Larm sedan ${when}`,
      count: (n: number) => `${n} öppna larm`,
    },
  },
} as const;
