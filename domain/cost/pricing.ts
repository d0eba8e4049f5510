import { readFileSync } from "node:fs";
import { z } from "zod";

const price = z.number().nonnegative().finite();

export const PricingSchema = z.object({
  source: z.string().optional(),
  currency: z.string().length(3),
  hoursPerMonth: z.number().positive(),
  defaultRegion: z.string(),
  regions: z.record(z.string(), z.object({ vcpuHour: price, gbRamHour: price, storageGbMonth: price })),
});

export type Pricing = z.infer<typeof PricingSchema>;

/** The sample price list shipped in data/pricing.json (validated; a bad file stops start-up). */
export function loadPricing(
  path: string | URL = new URL("../../data/pricing.json", import.meta.url),
): Pricing {
  const pricing = PricingSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  if (!pricing.regions[pricing.defaultRegion]) {
    throw new Error(`pricing: defaultRegion ${pricing.defaultRegion} has no prices`);
  }
  return pricing;
}
