// A registry deployed through the Azure Verified Module. acr-fix reads the module's params
// the way the module turns them into the resource, and fixes them there.
targetScope = 'resourceGroup'

@description('Name of the container registry.')
param registryName string = 'contosoapps${uniqueString(resourceGroup().id)}'

module registry 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'container-registry'
  params: {
    name: registryName
    location: resourceGroup().location
    acrSku: 'Standard'
    acrAdminUserEnabled: false
    zoneRedundancy: 'Disabled'
  }
}

output loginServer string = registry.outputs.loginServer
