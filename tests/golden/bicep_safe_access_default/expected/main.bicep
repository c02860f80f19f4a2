@export()
type registryConfig = {
  name: string
  sku: 'Basic' | 'Standard' | 'Premium'
  publicNetworkAccess: ('Enabled' | 'Disabled')?
  network: {
    defaultAction: ('Allow' | 'Deny')?
  }?
}

// no publicNetworkAccess member: `acr.?publicNetworkAccess ?? 'Enabled'` is 'Enabled'
param acr registryConfig = {
  name: 'myacr01'
  sku: 'Premium'
}

// the member is there: its value counts
param closed registryConfig = {
  name: 'myacr02'
  sku: 'Premium'
  publicNetworkAccess: 'Disabled'
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acr.name
  location: resourceGroup().location
  sku: {
    name: acr.sku
  }
  properties: {
    publicNetworkAccess: acr.?publicNetworkAccess ?? 'Enabled'
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource closedRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: closed.name
  location: resourceGroup().location
  sku: {
    name: closed.sku
  }
  properties: {
    publicNetworkAccess: closed.?publicNetworkAccess ?? 'Enabled'
    // a.?b.?c with no b: null, so the fallback
    networkRuleSet: {
      defaultAction: closed.?network.?defaultAction ?? 'Allow'
    }
  }
}

// public access on, and the firewall's action from a member the object does not have
param open registryConfig = {
  name: 'myacr03'
  sku: 'Premium'
  publicNetworkAccess: 'Enabled'
}

resource openRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: open.name
  location: resourceGroup().location
  sku: {
    name: open.sku
  }
  properties: {
    publicNetworkAccess: open.?publicNetworkAccess ?? 'Disabled'
    networkRuleSet: {
      defaultAction: open.?network.?defaultAction ?? 'Allow'
    }
  }
}
