import type { ScenarioName } from "../options.ts";
import { cluster } from "./cluster.ts";
import { connections } from "./connections.ts";
import { direct } from "./direct.ts";
import { group } from "./group.ts";
import { resume } from "./resume.ts";
import type { Scenario } from "./scenario.ts";

/** Every scenario by name. */
export const scenarios: Record<ScenarioName, Scenario> = { direct, group, connections, resume, cluster };
