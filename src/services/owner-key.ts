/**
 * A map key for one user's conversation or send. Ids are unique only within one user's data (a
 * migration keeps the ids of its source, so two users importing one export share them); the
 * NUL, which no username or id may hold, keeps "a" + "bc" apart from "ab" + "c".
 */
export const ownerKey = (owner: string, id: string): string => `${owner}\u0000${id}`;
