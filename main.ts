/**
 * edgecep: dynamic Flink CEP in one executable. `main.ts` only picks the command; each command
 * wires its parts in cli/.
 *
 * @module
 */

import { backtestCommand } from "./cli/backtest.ts";
import { checkRuleCommand } from "./cli/check_rule.ts";
import { runJobCommand } from "./cli/job_command.ts";
import { quickstartCommand } from "./cli/quickstart.ts";

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  let code: number;
  if (command === "check-rule") code = await checkRuleCommand(rest);
  else if (command === "backtest") code = await backtestCommand(rest);
  else if (command === "quickstart") code = await quickstartCommand(rest);
  else if (command === undefined) {
    console.error("No flags given: replaying the quick start on embedded stand-ins (see README).");
    code = await quickstartCommand([]);
  } else code = await runJobCommand(Deno.args);
  Deno.exit(code);
}
