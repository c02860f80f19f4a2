// Before 0.12.0 the AVM registry module writes a networkRuleSet only for a non-empty
// networkRuleSetIpRules; before 0.6.0 acrSku defaults to 'Basic'.

module oldest 'br/public:avm/res/container-registry/registry:0.5.1' = {
  name: 'oldest'
  params: {
    name: 'contosooldestacr'
  }
}

module enabled 'br/public:avm/res/container-registry/registry:0.8.5' = {
  name: 'enabled'
  params: {
    name: 'contosoenabledacr'
    publicNetworkAccess: 'Enabled'
  }
}

module emptyRules 'br:mcr.microsoft.com/bicep/avm/res/container-registry/registry:0.11.0' = {
  name: 'empty-rules'
  params: {
    name: 'contosoemptyacr'
    networkRuleSetIpRules: []
  }
}

module withRules 'br/public:avm/res/container-registry/registry:0.9.3' = {
  name: 'with-rules'
  params: {
    name: 'contosorulesacr'
    networkRuleSetIpRules: [
      {
        action: 'Allow'
        value: '198.51.100.7'
      }
    ]
    networkRuleSetDefaultAction: 'Allow'
  }
}

module private 'br/public:avm/res/container-registry/registry:0.9.3' = {
  name: 'private'
  params: {
    name: 'contosoprivateacr'
    networkRuleSetIpRules: []
    privateEndpoints: [
      {
        subnetResourceId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/v/subnets/s'
      }
    ]
  }
}
