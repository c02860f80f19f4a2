param acrSku string

module acr 'mod/acr.bicep' = {
  name: 'acr'
  params: {
    sku: acrSku
  }
}
