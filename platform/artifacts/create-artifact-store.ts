import type { ArtifactStore } from "./artifact-store";
import { createLocalArtifactStore } from "./local-artifact-store";

export interface ArtifactStoreConfig {
  store: "local" | "azure-blob";
  dataDir: string;
  connectionString?: string;
  accountUrl?: string;
  container: string;
}

/** The configured store: files under DATA_DIR, or Azure Blob Storage (key or DefaultAzureCredential). */
export async function createArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  if (config.store === "local") return createLocalArtifactStore(config.dataDir);
  // Loaded only here: the Azure SDKs are large, and the demo and local setups never need them.
  const { createAzureBlobArtifactStore } = await import("./azure-blob-artifact-store");
  if (config.connectionString) {
    return createAzureBlobArtifactStore({
      connectionString: config.connectionString,
      container: config.container,
    });
  }
  const { DefaultAzureCredential } = await import("@azure/identity");
  return createAzureBlobArtifactStore({
    accountUrl: config.accountUrl,
    credential: new DefaultAzureCredential(),
    container: config.container,
  });
}
