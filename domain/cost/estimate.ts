import type { Pricing } from "./pricing";

export interface ResourceSpec {
  name?: string;
  /** vCPUs per instance. */
  cpu: number;
  memoryGb: number;
  storageGb: number;
  /** Instances of this shape (default 1). */
  count?: number;
  /** Hours per month it runs (default: the whole month). */
  hoursPerMonth?: number;
}

export interface ResourcePlan {
  region?: string;
  resources: ResourceSpec[];
}

export interface LineItem {
  resource: string;
  component: "compute" | "memory" | "storage";
  quantity: number;
  unit: "vCPU-hour" | "GB-hour" | "GB-month";
  unitPrice: number;
  monthly: number;
}

export interface Estimate {
  currency: string;
  region: string;
  hoursPerMonth: number;
  lineItems: LineItem[];
  total: number;
}

export class UnknownRegionError extends Error {
  readonly code = "unknown_region";
  constructor(
    readonly region: string,
    readonly known: string[],
  ) {
    super(`No prices for region ${region}; known: ${known.join(", ")}`);
    this.name = "UnknownRegionError";
  }
}

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * Monthly cost of a resource plan from unit prices: vCPU-hours and GB-RAM-hours for the hours each
 * resource runs, storage per GB-month. Line items are rounded to cents; the total is the sum of the
 * rounded items, so the figures a person adds up match.
 */
export function estimateMonthlyCost(plan: ResourcePlan, pricing: Pricing): Estimate {
  const region = plan.region ?? pricing.defaultRegion;
  const prices = pricing.regions[region];
  if (!prices) throw new UnknownRegionError(region, Object.keys(pricing.regions));
  const lineItems: LineItem[] = [];
  plan.resources.forEach((r, i) => {
    const name = r.name ?? `resource-${i + 1}`;
    const count = r.count ?? 1;
    const hours = Math.min(r.hoursPerMonth ?? pricing.hoursPerMonth, pricing.hoursPerMonth);
    const items: Array<Omit<LineItem, "monthly" | "resource">> = [
      {
        component: "compute",
        quantity: r.cpu * count * hours,
        unit: "vCPU-hour",
        unitPrice: prices.vcpuHour,
      },
      {
        component: "memory",
        quantity: r.memoryGb * count * hours,
        unit: "GB-hour",
        unitPrice: prices.gbRamHour,
      },
      {
        component: "storage",
        quantity: r.storageGb * count,
        unit: "GB-month",
        unitPrice: prices.storageGbMonth,
      },
    ];
    for (const item of items) {
      if (item.quantity === 0) continue;
      lineItems.push({ resource: name, ...item, monthly: cents(item.quantity * item.unitPrice) });
    }
  });
  const total = cents(lineItems.reduce((sum, item) => sum + item.monthly, 0));
  return { currency: pricing.currency, region, hoursPerMonth: pricing.hoursPerMonth, lineItems, total };
}
