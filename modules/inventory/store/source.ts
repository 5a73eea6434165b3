/** The `source` of every envelope inventory writes to its outbox. */
export const SOURCE = "inventory";
