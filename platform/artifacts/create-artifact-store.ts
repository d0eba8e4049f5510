import type { ArtifactStore } from "./artifact-store";
import { createAzureBlobArtifactStore } from "./azure-blob-artifact-store";
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
  if (config.connectionString) {
    return createAzureBlobArtifactStore({
      connectionString: config.connectionString,
      container: config.container,
    });
  }
  // Loaded only here: DefaultAzureCredential pulls in a lot that local and key-based setups never need.
  const { DefaultAzureCredential } = await import("@azure/identity");
  return createAzureBlobArtifactStore({
    accountUrl: config.accountUrl,
    credential: new DefaultAzureCredential(),
    container: config.container,
  });
}
