/**
 * The error every rule problem becomes, so the job can log it with the rule id and go on.
 *
 * @module
 */

/** A rule that cannot run: names the rule, where in its JSON, and what is wrong. */
export class RuleValidationError extends SyntaxError {
  /** The rule's id, as stored in the rule table. */
  readonly ruleId: string;
  /** JSON path of the offending field, e.g. `nodes[1].quantifier.times.from`, or `""`. */
  readonly path: string;

  /**
   * @param ruleId the rule's id
   * @param path where in the rule JSON
   * @param problem what is wrong, in sentence case
   * @param options the underlying error, if any
   */
  constructor(ruleId: string, path: string, problem: string, options?: ErrorOptions) {
    super(
      `Cannot compile rule "${ruleId}": ${path === "" ? "" : `at "${path}": `}${problem}`,
      options,
    );
    this.name = "RuleValidationError";
    this.ruleId = ruleId;
    this.path = path;
  }
}
