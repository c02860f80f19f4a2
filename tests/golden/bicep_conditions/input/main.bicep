// Values chosen by a condition: read when the condition is known in every deployment, or when
// both properties follow the same condition. `(cond) ? a : b` is the same as `cond ? a : b`.
// `!empty(ipRules)` is known (the default []); `length(ipRules) > 0` is not read: both branches count.
param privateNetworking bool = false
param openToTheInternet bool
param ipRules array = []

resource known 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoknownacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: (privateNetworking) ? 'Disabled' : 'Enabled'
  }
}

resource either 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoeitheracr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: openToTheInternet ? 'Enabled' : 'Disabled'
    networkRuleSet: openToTheInternet ? { defaultAction: 'Deny', ipRules: ipRules } : null
  }
}

resource call 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosocallacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: !empty(ipRules) ? 'Enabled' : 'Disabled'
  }
}

resource counted 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosocountedacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: length(ipRules) > 0 ? 'Enabled' : 'Disabled'
  }
}
