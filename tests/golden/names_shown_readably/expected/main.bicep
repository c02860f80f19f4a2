param prefix string
param acrName string = 'contosobicepacr'
param suffix string
param placeholder string = ''

var mirrorName = '${prefix}mirror${uniqueString(resourceGroup().id)}'

resource images 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: '${prefix}acr${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: { publicNetworkAccess: 'Disabled' }
}

resource named 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: { publicNetworkAccess: 'Disabled' }
}

resource mirror 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: mirrorName
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource scratch 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: suffix
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: { networkRuleSet: { defaultAction: 'Deny' } }
}

resource filled 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: placeholder
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: { publicNetworkAccess: 'Disabled' }
}
