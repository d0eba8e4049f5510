import { describe, expect, it } from "vitest";
import { estimateMonthlyCost, UnknownRegionError } from "./estimate";
import { loadPricing, type Pricing } from "./pricing";

const pricing: Pricing = {
  currency: "USD",
  hoursPerMonth: 730,
  defaultRegion: "westeurope",
  regions: {
    westeurope: { vcpuHour: 0.05, gbRamHour: 0.005, storageGbMonth: 0.1 },
    eastus: { vcpuHour: 0.04, gbRamHour: 0.004, storageGbMonth: 0.08 },
  },
};

describe("estimateMonthlyCost", () => {
  it("prices vCPU-hours, GB-RAM-hours and GB-months for a full month", () => {
    const e = estimateMonthlyCost(
      { resources: [{ name: "api", cpu: 2, memoryGb: 4, storageGb: 50 }] },
      pricing,
    );
    expect(e.region).toBe("westeurope");
    expect(e.lineItems).toEqual([
      {
        resource: "api",
        component: "compute",
        quantity: 1460,
        unit: "vCPU-hour",
        unitPrice: 0.05,
        monthly: 73,
      },
      {
        resource: "api",
        component: "memory",
        quantity: 2920,
        unit: "GB-hour",
        unitPrice: 0.005,
        monthly: 14.6,
      },
      { resource: "api", component: "storage", quantity: 50, unit: "GB-month", unitPrice: 0.1, monthly: 5 },
    ]);
    expect(e.total).toBe(92.6);
  });

  it("multiplies by count, honours part-month hours and uses the region's prices", () => {
    const e = estimateMonthlyCost(
      { region: "eastus", resources: [{ cpu: 1, memoryGb: 2, storageGb: 0, count: 3, hoursPerMonth: 100 }] },
      pricing,
    );
    expect(e.lineItems.map((l) => [l.resource, l.component, l.quantity, l.monthly])).toEqual([
      ["resource-1", "compute", 300, 12],
      ["resource-1", "memory", 600, 2.4],
    ]);
    expect(e.total).toBe(14.4);
  });

  it("never bills more hours than the month has", () => {
    const e = estimateMonthlyCost(
      { resources: [{ cpu: 1, memoryGb: 0, storageGb: 0, hoursPerMonth: 10_000 }] },
      pricing,
    );
    expect(e.lineItems[0]?.quantity).toBe(730);
  });

  it("makes the total the sum of the rounded line items", () => {
    const e = estimateMonthlyCost(
      {
        resources: [
          { cpu: 0.25, memoryGb: 0.5, storageGb: 1.5 },
          { cpu: 0.5, memoryGb: 0.75, storageGb: 3.3 },
        ],
      },
      {
        ...pricing,
        regions: { westeurope: { vcpuHour: 0.0333, gbRamHour: 0.00377, storageGbMonth: 0.0911 } },
      },
    );
    const sum = e.lineItems.reduce((s, l) => s + Math.round(l.monthly * 100), 0) / 100;
    expect(e.total).toBe(sum);
  });

  it("refuses an unknown region and names the known ones", () => {
    expect(() =>
      estimateMonthlyCost({ region: "mars", resources: [{ cpu: 1, memoryGb: 1, storageGb: 1 }] }, pricing),
    ).toThrow(UnknownRegionError);
  });

  it("reads the shipped sample price list", () => {
    const shipped = loadPricing();
    expect(shipped.regions[shipped.defaultRegion]).toBeDefined();
    const e = estimateMonthlyCost({ resources: [{ cpu: 2, memoryGb: 8, storageGb: 100 }] }, shipped);
    expect(e.total).toBeGreaterThan(0);
    expect(e.currency).toBe("USD");
  });
});
