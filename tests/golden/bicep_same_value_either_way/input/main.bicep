// A choice whose two branches are the same value is that value, whatever the condition.
param highAvailability bool

module registry 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'registry'
  params: {
    name: 'contososameacr'
    acrSku: highAvailability ? 'Premium' : 'Premium'
    // either way the module is given IP rules ([]), so it writes a networkRuleSet that denies
    networkRuleSetIpRules: highAvailability ? [] : []
  }
}

resource open 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoopenacr'
  location: resourceGroup().location
  sku: {
    name: highAvailability ? 'Premium' : 'Premium'
  }
  properties: {
    publicNetworkAccess: highAvailability ? 'Enabled' : 'Enabled'
  }
}
