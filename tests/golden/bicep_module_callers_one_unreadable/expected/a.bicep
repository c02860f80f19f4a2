// leaves networkDefaultAction at the module's default, 'Allow': open
module acr 'modules/open.bicep' = {
  name: 'acr-a'
  params: {
    name: 'acra${uniqueString(resourceGroup().id)}'
  }
}
