param containerRegistrySku string = 'Standard'

module acr '../../modules/acr.bicep' = {
  name: 'acr'
  params: {
    name: 'acrb${uniqueString(resourceGroup().id)}'
    sku: containerRegistrySku
  }
}

resource settings 'Microsoft.Resources/tags@2022-09-01' = {
  name: 'default'
  properties: {
    tags: {
      registryIsPremium: containerRegistrySku == 'Premium' ? 'yes' : 'no'
    }
  }
}
