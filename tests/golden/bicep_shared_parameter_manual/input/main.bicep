param tier string = 'Standard'
param acrSku string = 'Basic'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'sharedbicep'
  location: 'westus'
  sku: {
    name: tier
  }
}

resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'bus'
  location: 'westus'
  sku: {
    name: tier
  }
}

resource acr2 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'ownsku'
  location: 'westus'
  sku: {
    name: acrSku
  }
}

output sku string = acrSku
