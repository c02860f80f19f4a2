param location string = resourceGroup().location

module acr 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'registry'
  params: {
    name: 'contosoavmacr'
    location: location
    acrSku: 'Standard'
    acrAdminUserEnabled: false
  }
}

module privateAcr 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'private-registry'
  params: {
    name: 'contosoprivateacr'
    privateEndpoints: [
      {
        subnetResourceId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/v/subnets/s'
      }
    ]
  }
}

module allowAcr 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'allow-registry'
  params: {
    name: 'contosoallowacr'
    publicNetworkAccess: 'Enabled'
    networkRuleSetDefaultAction: 'Allow'
  }
}

param privateNetworking bool = false

module maybePrivateAcr 'br/public:avm/res/container-registry/registry:0.12.1' = {
  name: 'maybe-private-registry'
  params: {
    name: 'contosomaybeacr'
    acrSku: 'Premium'
    privateEndpoints: privateNetworking ? [
      {
        subnetResourceId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/v/subnets/s'
      }
    ] : []
  }
}
