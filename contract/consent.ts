/**
 * The consent term the customer accepts before their face is registered (LGPD art. 11: biometric
 * data is sensitive and needs specific consent). A new text is a new version: the audit trail
 * keeps, with each registration, the version the customer accepted.
 */
export const CONSENT_TERM = {
  version: '2026-11-26',
  'pt-BR':
    'Autorizo o tratamento da imagem do meu rosto (dado biométrico, dado pessoal sensível — LGPD, art. 11) para o cadastro de reconhecimento facial junto à QI Tech, com a finalidade de confirmar minha identidade em operações futuras. Sei que posso pedir informações sobre o tratamento e revogar este consentimento a qualquer momento.',
  en: 'I authorise the processing of the image of my face (biometric data, sensitive personal data — LGPD, art. 11) for face recognition registration with QI Tech, to confirm my identity in future operations. I know I can ask for information about this processing and withdraw this consent at any time.',
} as const;
