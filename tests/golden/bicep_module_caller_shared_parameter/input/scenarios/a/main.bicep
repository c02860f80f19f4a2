module acr '../../modules/acr.bicep' = {
  name: 'acr'
  params: {
    name: 'acra${uniqueString(resourceGroup().id)}'
  }
}
