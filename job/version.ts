/**
 * The version of edgecep, printed by `--version` and exported as `edgecep_build_info`.
 *
 * @module
 */

/** Raised with each release. */
export const VERSION = "0.9.0";
