/** A table as plain strings, for every renderer (Markdown, HTML) to mark up its own way. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns to right-align (numbers). */
  readonly numeric?: readonly number[];
}
