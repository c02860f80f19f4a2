// The object's type does not allow 'Premium': changing the value would not compile.
param settings {
  sku: 'Basic' | 'Standard'
} = {
  sku: 'Basic'
}

var defaults = {
  publicAccess: 'Enabled'
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosotypedacr'
  location: resourceGroup().location
  sku: {
    name: settings.sku
  }
  properties: {
    publicNetworkAccess: defaults.publicAccess
  }
}
