module acr '../../modules/acr.bicep' = {
  name: 'acr'
  params: {
    name: 'acrc${uniqueString(resourceGroup().id)}'
    sku: 'Standard'
  }
}
