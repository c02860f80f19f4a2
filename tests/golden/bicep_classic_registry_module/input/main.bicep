// Calls of the public registry module before AVM (modules/compute/container-registry in
// Azure/bicep-registry-modules). It writes network settings only for the Premium SKU.
param location string = resourceGroup().location

@description('The registry SKU, passed to the module.')
param containerRegistrySkuName string = 'Basic'

param environment string = 'dev'

// Premium, firewall explicitly open, public access left on (its default): open
module openPremium 'br/public:compute/container-registry:1.1.1' = {
  name: 'openPremium'
  params: {
    name: 'openpremium${uniqueString(resourceGroup().id)}'
    location: location
    skuName: 'Premium'
    networkDefaultAction: 'Allow'
  }
}

// The SKU comes from a parameter whose default is Basic: no network settings at all
module fromParameter 'br/public:compute/container-registry:1.0.3' = {
  name: 'fromParameter'
  params: {
    name: 'fromparam${uniqueString(resourceGroup().id)}'
    location: location
    skuName: containerRegistrySkuName
  }
}

// No SKU given: the module's default, Basic
module defaultSku 'br/public:compute/container-registry:1.0.1' = {
  name: 'defaultSku'
  params: {
    name: 'defaultsku${uniqueString(resourceGroup().id)}'
  }
}

// The MCR spelling of the same module, with a private endpoint: public access is turned off
module privateOnly 'br:mcr.microsoft.com/bicep/compute/container-registry:1.0.2' = {
  name: 'privateOnly'
  params: {
    name: 'private${uniqueString(resourceGroup().id)}'
    skuName: 'Standard'
    privateEndpoints: [
      {
        name: 'pe'
        subnetId: resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'endpoints')
      }
    ]
  }
}

// Premium with the module's defaults: networkDefaultAction 'Deny' closes it
module closedByDefault 'br/public:compute/container-registry:1.1.1' = {
  name: 'closedByDefault'
  params: {
    name: 'closed${uniqueString(resourceGroup().id)}'
    skuName: 'Premium'
  }
}

// Premium, firewall open, but public access turned off: closed
module publicOff 'br/public:compute/container-registry:1.1.1' = {
  name: 'publicOff'
  params: {
    name: 'publicoff${uniqueString(resourceGroup().id)}'
    skuName: 'Premium'
    networkDefaultAction: 'Allow'
    publicNetworkAccessEnabled: false
  }
}

// The SKU depends on the environment: a check by hand
module perEnvironment 'br/public:compute/container-registry:1.1.1' = {
  name: 'perEnvironment'
  params: {
    name: 'perenv${uniqueString(resourceGroup().id)}'
    skuName: environment == 'prod' ? 'Premium' : 'Basic'
  }
}
