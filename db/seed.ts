import type { EnvironmentType } from "../domain/model/task-types";
import type { Stores } from "./stores/index";

const DEMO: Array<{
  name: string;
  description: string;
  environments: Array<[string, EnvironmentType]>;
  /** Demo email route, so a failure in a fresh demo prints its email on the console. */
  emailList?: string[];
}> = [
  {
    name: "shop",
    description: "Customer-facing web shop",
    environments: [
      ["dev", "dev"],
      ["stage", "stage"],
      ["prod", "prod"],
    ],
    emailList: ["oncall@shop.example.com"],
  },
  {
    name: "payments",
    description: "Payment API and ledger",
    environments: [
      ["dev", "dev"],
      ["prod", "prod"],
    ],
  },
  {
    name: "data-platform",
    description: "Analytics pipelines",
    environments: [
      ["dev", "dev"],
      ["stage", "stage"],
    ],
  },
];

/** Creates the demo projects and environments that are missing. Safe to run any number of times. */
export async function seedDemoData(stores: Stores): Promise<{ projects: number; environments: number }> {
  let projects = 0;
  let environments = 0;
  for (const spec of DEMO) {
    let project = await stores.projects.byName(spec.name);
    if (!project) {
      project = await stores.projects.create({ name: spec.name, description: spec.description });
      await stores.notificationSettings.put(project.id, {
        teamsWebhookUrl: null,
        emailList: spec.emailList ?? [],
      });
      projects++;
    }
    for (const [name, type] of spec.environments) {
      if (await stores.environments.byName(project.id, name)) continue;
      await stores.environments.create(project.id, { name, type });
      environments++;
    }
  }
  return { projects, environments };
}

/** Seeds only a database that has no projects at all (demo mode start-up). */
export async function seedIfEmpty(stores: Stores): Promise<boolean> {
  if ((await stores.projects.list()).length > 0) return false;
  await seedDemoData(stores);
  return true;
}
