using '../main.bicep'

// Production registry: shared with the build agents.
param registryName = 'contosoprod'
param sku = 'Premium'
param publicAccess = 'Enabled'
