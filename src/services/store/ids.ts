import { randomBytes } from 'node:crypto';

const randomHex = () => randomBytes(12).toString('hex');

/** `conv_` + 24 random hex characters. */
export const newConversationId = (): string => `conv_${randomHex()}`;

/** `m_` + 24 random hex characters. */
export const newMessageId = (): string => `m_${randomHex()}`;
