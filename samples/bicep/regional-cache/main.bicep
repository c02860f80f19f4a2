/*
  Pull-through caches, one registry per region, close to the AKS clusters.
*/
@description('Regions that get a cache registry.')
param regions array = [
  'westeurope'
  'swedencentral'
]

@description('SKU of every cache registry.')
@allowed([
  'Basic'
  'Standard'
])
param cacheSku string = 'Standard'

@description('Deploy the shared build registry as well.')
param deployBuildRegistry bool = true

@batchSize(1)
resource caches 'Microsoft.ContainerRegistry/registries@2021-09-01' = [for region in regions: {
  name: 'crcache${uniqueString(resourceGroup().id, region)}'
  location: region
  sku: {
    name: cacheSku
  }
  properties: {
    adminUserEnabled: false
  }
}]

resource build 'Microsoft.ContainerRegistry/registries@2019-05-01' = if (deployBuildRegistry) {
  name: 'crbuild${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    networkRuleSet: {
      defaultAction: 'Allow'
      ipRules: []
    }
  }
}
