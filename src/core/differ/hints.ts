/** What the differ is told about renames, besides what it asks (see renames.ts). */

/** Rename hints found in the model, for the differ. */
export interface RenameHints {
  /** `${app}.${newClassName}` → old class name. */
  tables: Map<string, string>
  /** `${app}.${className}.${newColumn}` → old property name. */
  columns: Map<string, string>
}
